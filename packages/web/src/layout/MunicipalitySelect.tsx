import { useId } from 'react';
import { SelectField } from './forms.js';

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
    <SelectField
      id={id}
      label={label}
      value={value}
      onChange={onChange}
      options={municipalities.map((m) => [m.id, m.name] as const)}
    />
  );
}
