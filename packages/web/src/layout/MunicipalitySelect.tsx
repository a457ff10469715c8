import { useId } from 'react';

/**
 * The choice of municipality on staff pages: a labelled select of the municipalities the person works
 * for. Nothing to choose (one or none) shows nothing.
 */
export function MunicipalitySelect({
  label,
  municipalities,
  value,
  onChange,
}: {
  label: string;
  municipalities: readonly { id: string; name: string }[];
  value: string;
  onChange: (id: string) => void;
}) {
  const id = useId();
  if (municipalities.length <= 1) return null;
  return (
    <div className="kern-form-input">
      <label className="kern-label" htmlFor={id}>
        {label}
      </label>
      <div className="kern-form-input__select-wrapper">
        <select
          id={id}
          className="kern-form-input__select"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        >
          {municipalities.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
