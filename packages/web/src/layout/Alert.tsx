import type { ReactNode, Ref } from 'react';

type Variant = 'info' | 'success' | 'warning' | 'danger';

/** KERN alert: the icon and the title carry the meaning, never the colour alone. */
export function Alert({
  variant,
  title,
  children,
  role,
  ref,
  id,
}: {
  variant: Variant;
  title: string;
  children?: ReactNode;
  role?: 'alert' | 'status';
  ref?: Ref<HTMLDivElement>;
  id?: string;
}) {
  return (
    <div
      className={`kern-alert kern-alert--${variant}`}
      role={role}
      ref={ref}
      id={id}
      tabIndex={ref ? -1 : undefined}
    >
      <div className="kern-alert__header">
        <span className={`kern-icon kern-icon--${variant}`} aria-hidden="true" />
        <span className="kern-title">{title}</span>
      </div>
      {children !== undefined && <div className="kern-alert__body">{children}</div>}
    </div>
  );
}
