import type { InputHTMLAttributes, MouseEvent, ReactNode, Ref } from 'react';

/** A labelled KERN text input whose error message is tied to it with aria-describedby. */
export function TextField({
  id,
  label,
  error,
  describedBy,
  ...input
}: {
  id: string;
  label: string;
  /** Shown under the field and read out with it. */
  error?: string;
  /** Further ids that describe this field (e.g. a form-level error). */
  describedBy?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'className' | 'aria-invalid' | 'aria-describedby'>) {
  const errorId = `${id}-error`;
  const describedByIds = [error ? errorId : undefined, describedBy].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'kern-form-input kern-form-input--error' : 'kern-form-input'}>
      <label className="kern-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={error ? 'kern-form-input__input kern-form-input__input--error' : 'kern-form-input__input'}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedByIds}
        {...input}
      />
      {error && (
        <p className="kern-error" id={errorId}>
          <span className="kern-icon kern-icon--danger" aria-hidden="true" />
          <span className="kern-body">{error}</span>
        </p>
      )}
    </div>
  );
}

/** A labelled KERN select; options are [value, text] pairs. */
export function SelectField({
  id,
  label,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly (readonly [string, string])[];
}) {
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
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** A labelled KERN checkbox. */
export function CheckboxField({
  id,
  label,
  checked,
  onChange,
}: {
  id: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="kern-form-check">
      <input
        id={id}
        className="kern-form-check__checkbox"
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label className="kern-label" htmlFor={id}>
        {label}
      </label>
    </div>
  );
}

export interface SummaryItem {
  /** The field the message is about; undefined for messages about the whole form. */
  fieldId?: string;
  message: string;
}

/**
 * KERN danger alert listing what went wrong. It receives the focus after a failed submit, so screen
 * readers read it at once; each field message links to its field.
 */
export function ErrorSummary({
  title,
  items,
  ref,
  messageIdPrefix,
}: {
  title: string;
  items: readonly SummaryItem[];
  ref: Ref<HTMLDivElement>;
  /** Messages get ids `<prefix>-<index>` so fields can reference form-level messages. */
  messageIdPrefix: string;
}) {
  // Focus the field directly instead of following "#id", which the router would treat as a navigation.
  function focusField(event: MouseEvent<HTMLAnchorElement>, fieldId: string) {
    event.preventDefault();
    document.getElementById(fieldId)?.focus();
  }
  return (
    <div
      className="kern-alert kern-alert--danger"
      tabIndex={-1}
      ref={ref}
      role="group"
      aria-labelledby={`${messageIdPrefix}-title`}
    >
      <div className="kern-alert__header">
        <span className="kern-icon kern-icon--danger" aria-hidden="true" />
        <h2 className="kern-title" id={`${messageIdPrefix}-title`}>
          {title}
        </h2>
      </div>
      <div className="kern-alert__body">
        <ul className="kern-list">
          {items.map((item, index) => (
            <li key={index} id={`${messageIdPrefix}-${index}`} className="kern-body">
              {item.fieldId ? (
                <a
                  href={`#${item.fieldId}`}
                  className="kern-link"
                  onClick={(event) => focusField(event, item.fieldId!)}
                >
                  {item.message}
                </a>
              ) : (
                item.message
              )}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
