/** A button of the meeting pages: its visible text is its accessible name. */
export function ActionButton({
  label,
  onClick,
  variant,
}: {
  label: string;
  onClick: () => void;
  variant: 'primary' | 'secondary' | 'tertiary';
}) {
  return (
    <button type="button" className={`kern-btn kern-btn--${variant}`} onClick={onClick}>
      <span className="kern-label">{label}</span>
    </button>
  );
}
