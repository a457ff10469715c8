// The address field of the report form as an ARIA 1.2 combobox: typing asks /api/public/geocode for
// streets and places; arrow keys move through the suggestions, Enter takes one (and its coordinates),
// Escape closes the list. Without a choice the typed text is sent as it is, so the field works alone.
import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.js';

export interface AddressSuggestion {
  label: string;
  latitude: number;
  longitude: number;
}

export function AddressCombobox({
  id,
  label,
  value,
  error,
  onChange,
  onChoose,
}: {
  id: string;
  label: string;
  value: string;
  error?: string | undefined;
  onChange: (value: string) => void;
  onChoose: (suggestion: AddressSuggestion) => void;
}) {
  const { t } = useTranslation();
  const listId = useId();
  const [suggestions, setSuggestions] = useState<AddressSuggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [typed, setTyped] = useState(false);

  useEffect(() => {
    const text = value.trim();
    if (!typed || text.length < 2) {
      setSuggestions([]);
      return;
    }
    let current = true;
    // A short pause, so a fast typist sends one request, not one per key.
    const timer = setTimeout(() => {
      api.get<{ results: AddressSuggestion[] }>(`/api/public/geocode?q=${encodeURIComponent(text)}`).then(
        (data) => {
          if (!current) return;
          setSuggestions(data.results);
          setActive(-1);
          setOpen(data.results.length > 0);
        },
        () => current && setSuggestions([]),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [value, typed]);

  function choose(s: AddressSuggestion) {
    onChange(s.label);
    onChoose(s);
    setTyped(false);
    setOpen(false);
    setActive(-1);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' && suggestions.length) {
      event.preventDefault();
      setOpen(true);
      setActive((a) => (a + 1) % suggestions.length);
    } else if (event.key === 'ArrowUp' && suggestions.length) {
      event.preventDefault();
      setOpen(true);
      setActive((a) => (a <= 0 ? suggestions.length - 1 : a - 1));
    } else if (event.key === 'Enter' && open && active >= 0) {
      event.preventDefault();
      choose(suggestions[active]!);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  }

  const errorId = `${id}-error`;
  const expanded = open && suggestions.length > 0;
  return (
    <div className={error ? 'kern-form-input kern-form-input--error' : 'kern-form-input'}>
      <label className="kern-label" htmlFor={id}>
        {label}
      </label>
      <div className="kern-hint" id={`${id}-hint`}>
        {t('participation.report.addressHint')}
      </div>
      <div className="srp-combobox">
        <input
          id={id}
          className={
            error ? 'kern-form-input__input kern-form-input__input--error' : 'kern-form-input__input'
          }
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={[`${id}-hint`, error ? errorId : ''].filter(Boolean).join(' ')}
          autoComplete="off"
          maxLength={300}
          value={value}
          onChange={(e) => {
            setTyped(true);
            onChange(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
        />
        <ul
          id={listId}
          role="listbox"
          aria-label={t('participation.report.suggestionList')}
          className="srp-combobox__list"
          hidden={!expanded}
        >
          {suggestions.map((s, index) => (
            <li
              key={`${s.label}-${index}`}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className="srp-combobox__option"
              // mousedown, not click: the input keeps focus and does not close the list first
              onMouseDown={(e) => {
                e.preventDefault();
                choose(s);
              }}
            >
              {s.label}
            </li>
          ))}
        </ul>
      </div>
      <p className="kern-sr-only" role="status">
        {expanded ? t('participation.report.suggestions', { count: suggestions.length }) : ''}
      </p>
      {error && (
        <p className="kern-error" id={errorId}>
          <span className="kern-icon kern-icon--danger" aria-hidden="true" />
          <span className="kern-body">{error}</span>
        </p>
      )}
    </div>
  );
}
