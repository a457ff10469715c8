// The fee rules of a service version as a form: per rule an id, a label, an amount in euro, optionally a
// count from a form field ("per certificate", with free units), a condition and an exemption on form
// values. Below, the fee for example input, computed by the server with the rules as they stand (not yet
// saved). The server checks the rules again on save and answers per field; those messages show here too.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { TextField } from '../../layout/forms.js';
import { euro } from './egovClient.js';
import {
  draftOf,
  duplicateIds,
  formFields,
  newDraft,
  ruleOf,
  type ConditionDraft,
  type ConditionMode,
  type DraftErrorCode,
  type DraftErrors,
  type FeeRule,
  type FeeRuleDraft,
  type FormField,
} from './feeRuleForm.js';

/** A problem the server reported: `feeRules[2].amountCents` and a German message. */
export interface FeeRuleProblem {
  path: string;
  message: string;
}

type DraftKey = keyof DraftErrors;

/** Which input a server path belongs to (anything else is shown for the whole rule). */
function inputOf(path: string): DraftKey | 'rule' {
  const rest = path.replace(/^feeRules\[\d+\]\.?/, '');
  if (rest === 'id' || rest === 'label') return rest;
  if (rest === 'amountCents') return 'amount';
  if (rest === 'perUnit.minus') return 'freeUnits';
  if (rest.startsWith('perUnit')) return 'unitField';
  if (rest.startsWith('when')) return rest.endsWith('field') ? 'whenField' : 'whenValue';
  if (rest.startsWith('unless')) return rest.endsWith('field') ? 'unlessField' : 'unlessValue';
  return 'rule';
}

function FieldSelect({
  id,
  label,
  value,
  fields,
  error,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  fields: readonly FormField[];
  error?: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const known = fields.some((f) => f.key === value);
  return (
    <div className={error ? 'kern-form-input kern-form-input--error' : 'kern-form-input'}>
      <label className="kern-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="kern-form-input__select"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{t('egov.fees.chooseField')}</option>
        {!known && value && <option value={value}>{value}</option>}
        {fields.map((f) => (
          <option key={f.key} value={f.key}>
            {f.label} ({f.key})
          </option>
        ))}
      </select>
      {error && (
        <p className="kern-error" id={`${id}-error`}>
          <span className="kern-icon kern-icon--danger" aria-hidden="true" />
          <span className="kern-body">{error}</span>
        </p>
      )}
    </div>
  );
}

function ConditionInputs({
  id,
  kind,
  draft,
  fields,
  errors,
  onChange,
}: {
  id: string;
  kind: 'when' | 'unless';
  draft: ConditionDraft;
  fields: readonly FormField[];
  errors: Partial<Record<DraftKey, string>>;
  onChange: (draft: ConditionDraft) => void;
}) {
  const { t } = useTranslation();
  const modes: ConditionMode[] = ['none', 'filled', 'equals', 'oneOf'];
  return (
    <fieldset className="kern-fieldset srp-fee-condition">
      <legend className="kern-label">{t(`egov.fees.${kind}.legend`)}</legend>
      <div className="kern-form-input">
        <label className="kern-label" htmlFor={`${id}-mode`}>
          {t(`egov.fees.${kind}.mode`)}
        </label>
        <select
          id={`${id}-mode`}
          className="kern-form-input__select"
          value={draft.mode}
          onChange={(e) => onChange({ ...draft, mode: e.target.value as ConditionMode })}
        >
          {modes.map((m) => (
            <option key={m} value={m}>
              {t(`egov.fees.${kind}.${m}`)}
            </option>
          ))}
        </select>
      </div>
      {draft.mode !== 'none' && (
        <FieldSelect
          id={`${id}-field`}
          label={t('egov.fees.field')}
          value={draft.field}
          fields={fields}
          error={errors[`${kind}Field`]}
          onChange={(field) => onChange({ ...draft, field })}
        />
      )}
      {(draft.mode === 'equals' || draft.mode === 'oneOf') && (
        <TextField
          id={`${id}-value`}
          label={t(draft.mode === 'equals' ? 'egov.fees.value' : 'egov.fees.values')}
          value={draft.value}
          error={errors[`${kind}Value`]}
          onChange={(e) => onChange({ ...draft, value: e.target.value })}
        />
      )}
    </fieldset>
  );
}

/** Example form data from the example inputs: dotted keys become nested objects, lists get n entries. */
function exampleData(values: Record<string, string>, fields: readonly FormField[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(values)) {
    if (text === '') continue;
    const type = fields.find((f) => f.key === key)?.type ?? 'text';
    const value =
      type === 'number'
        ? Number(text)
        : type === 'boolean'
          ? text === 'true'
          : type === 'list'
            ? Array.from({ length: Math.max(0, Math.min(100, Number(text) || 0)) }, () => ({}))
            : text;
    const segments = key.split('.');
    let target = data;
    for (const segment of segments.slice(0, -1)) {
      target[segment] ??= {};
      target = target[segment] as Record<string, unknown>;
    }
    target[segments.at(-1)!] = value;
  }
  return data;
}

export function FeeRulesEditor({
  versionId,
  rules,
  formSchema,
  serverProblems,
  onChange,
}: {
  versionId: string;
  rules: readonly FeeRule[];
  formSchema: Record<string, unknown>;
  serverProblems: readonly FeeRuleProblem[];
  /** The rules when every input is usable; null while something still needs fixing. */
  onChange: (rules: FeeRule[] | null) => void;
}) {
  const { t, i18n } = useTranslation();
  const fields = useMemo(() => formFields(formSchema as { components?: [] }), [formSchema]);
  const [drafts, setDrafts] = useState<FeeRuleDraft[]>(() => rules.map((r) => draftOf(r, i18n.language)));
  const [example, setExample] = useState<Record<string, string>>({});
  const [quote, setQuote] = useState<{
    totalCents: number;
    lines: { label: string; units: number; amountCents: number }[];
  } | null>(null);
  const [quoteProblems, setQuoteProblems] = useState<FeeRuleProblem[]>([]);

  const checked = useMemo(() => {
    const duplicates = duplicateIds(drafts);
    return drafts.map((d, index) => {
      const result = ruleOf(d, fields);
      if (duplicates.has(index)) result.errors.id = 'idTwice';
      return result;
    });
  }, [drafts, fields]);
  const complete = checked.every((c) => c.rule && Object.keys(c.errors).length === 0);
  const current = useMemo(() => (complete ? checked.map((c) => c.rule!) : null), [checked, complete]);

  useEffect(() => onChange(current), [current, onChange]);

  // The fee for the example input, from the server with the rules as they stand (debounced).
  const referenced = useMemo(() => {
    const keys = new Set<string>();
    for (const d of drafts) {
      if (d.perUnit && d.unitField) keys.add(d.unitField);
      if (d.when.mode !== 'none' && d.when.field) keys.add(d.when.field);
      if (d.unless.mode !== 'none' && d.unless.field) keys.add(d.unless.field);
    }
    return [...keys];
  }, [drafts]);
  useEffect(() => {
    if (!current) return;
    const timer = setTimeout(() => {
      api
        .post<NonNullable<typeof quote>>(`/api/egov/design/versions/${versionId}/fee-quote`, {
          data: exampleData(example, fields),
          feeRules: current,
        })
        .then(
          (result) => {
            setQuote(result);
            setQuoteProblems([]);
          },
          (error: unknown) => {
            setQuote(null);
            const problems = error instanceof ApiError ? error.details?.feeRules : undefined;
            setQuoteProblems(Array.isArray(problems) ? (problems as FeeRuleProblem[]) : []);
          },
        );
    }, 400);
    return () => clearTimeout(timer);
  }, [current, example, fields, versionId]);

  const update = (index: number, patch: Partial<FeeRuleDraft>) =>
    setDrafts((all) => all.map((d, i) => (i === index ? { ...d, ...patch } : d)));
  const problems = [...serverProblems, ...quoteProblems];

  return (
    <div className="kern-stack-sm srp-fee-editor">
      {drafts.length === 0 && <p className="kern-body">{t('egov.fees.none')}</p>}
      {drafts.map((draft, index) => {
        const id = `fee-${index}`;
        const own = problems.filter(
          (p) => p.path === `feeRules[${index}]` || p.path.startsWith(`feeRules[${index}].`),
        );
        const errors: Partial<Record<DraftKey, string>> = {};
        for (const [key, code] of Object.entries(checked[index]!.errors) as [DraftKey, DraftErrorCode][])
          errors[key] = t(`egov.fees.errors.${code}`);
        const ruleLevel: string[] = [];
        for (const p of own) {
          const input = inputOf(p.path);
          if (input === 'rule') ruleLevel.push(p.message);
          else errors[input] ??= p.message;
        }
        return (
          <fieldset
            key={index}
            className="kern-fieldset srp-fee-rule"
            aria-describedby={ruleLevel.length ? `${id}-problems` : undefined}
          >
            <legend className="kern-label">
              {t('egov.fees.rule', { n: index + 1 })}
              {draft.label ? `: ${draft.label}` : ''}
            </legend>
            {ruleLevel.length > 0 && (
              <ul className="kern-error" id={`${id}-problems`}>
                {ruleLevel.map((m) => (
                  <li key={m} className="kern-body">
                    {m}
                  </li>
                ))}
              </ul>
            )}
            <TextField
              id={`${id}-label`}
              label={t('egov.fees.label')}
              value={draft.label}
              error={errors.label}
              onChange={(e) => update(index, { label: e.target.value })}
            />
            <TextField
              id={`${id}-id`}
              label={t('egov.fees.id')}
              value={draft.id}
              error={errors.id}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => update(index, { id: e.target.value })}
            />
            <TextField
              id={`${id}-amount`}
              label={t('egov.fees.amount')}
              inputMode="decimal"
              value={draft.amount}
              error={errors.amount}
              onChange={(e) => update(index, { amount: e.target.value })}
            />
            <div className="kern-form-check">
              <input
                id={`${id}-per-unit`}
                type="checkbox"
                className="kern-form-check__checkbox"
                checked={draft.perUnit}
                onChange={(e) => update(index, { perUnit: e.target.checked })}
              />
              <label className="kern-label" htmlFor={`${id}-per-unit`}>
                {t('egov.fees.perUnit')}
              </label>
            </div>
            {draft.perUnit && (
              <>
                <FieldSelect
                  id={`${id}-unit-field`}
                  label={t('egov.fees.unitField')}
                  value={draft.unitField}
                  fields={fields.filter(
                    (f) => f.type === 'number' || f.type === 'list' || f.key === draft.unitField,
                  )}
                  error={errors.unitField}
                  onChange={(unitField) => update(index, { unitField })}
                />
                <TextField
                  id={`${id}-free`}
                  label={t('egov.fees.freeUnits')}
                  inputMode="numeric"
                  value={draft.freeUnits}
                  error={errors.freeUnits}
                  onChange={(e) => update(index, { freeUnits: e.target.value })}
                />
              </>
            )}
            <ConditionInputs
              id={`${id}-when`}
              kind="when"
              draft={draft.when}
              fields={fields}
              errors={errors}
              onChange={(when) => update(index, { when })}
            />
            <ConditionInputs
              id={`${id}-unless`}
              kind="unless"
              draft={draft.unless}
              fields={fields}
              errors={errors}
              onChange={(unless) => update(index, { unless })}
            />
            <button
              type="button"
              className="kern-btn kern-btn--tertiary"
              onClick={() => setDrafts((all) => all.filter((_, i) => i !== index))}
            >
              <span className="kern-label">
                {t('egov.fees.remove')}
                <span className="kern-sr-only">: {t('egov.fees.rule', { n: index + 1 })}</span>
              </span>
            </button>
          </fieldset>
        );
      })}
      <button
        type="button"
        className="kern-btn kern-btn--secondary"
        onClick={() => setDrafts((all) => [...all, newDraft(all)])}
      >
        <span className="kern-label">{t('egov.fees.add')}</span>
      </button>

      <section aria-labelledby="fee-example-heading" className="kern-stack-xs srp-fee-example">
        <h3 id="fee-example-heading" className="kern-heading-small">
          {t('egov.fees.example')}
        </h3>
        <p className="kern-hint">{t('egov.fees.exampleHint')}</p>
        {referenced.map((key) => {
          const field = fields.find((f) => f.key === key);
          const inputId = `fee-example-${key.replace(/[^\w-]/g, '_')}`;
          const label = field ? `${field.label} (${key})` : key;
          return field?.type === 'boolean' ? (
            <div key={key} className="kern-form-check">
              <input
                id={inputId}
                type="checkbox"
                className="kern-form-check__checkbox"
                checked={example[key] === 'true'}
                onChange={(e) => setExample((v) => ({ ...v, [key]: e.target.checked ? 'true' : '' }))}
              />
              <label className="kern-label" htmlFor={inputId}>
                {label}
              </label>
            </div>
          ) : (
            <TextField
              key={key}
              id={inputId}
              label={field?.type === 'list' ? t('egov.fees.entries', { field: label }) : label}
              type={field?.type === 'number' || field?.type === 'list' ? 'number' : 'text'}
              min={field?.type === 'number' || field?.type === 'list' ? 0 : undefined}
              value={example[key] ?? ''}
              onChange={(e) => setExample((v) => ({ ...v, [key]: e.target.value }))}
            />
          );
        })}
        <div aria-live="polite" data-testid="fee-example-result">
          {!current ? (
            <p className="kern-body">{t('egov.fees.fixFirst')}</p>
          ) : quote ? (
            <>
              <ul className="kern-list">
                {quote.lines.map((line, i) => (
                  <li key={i} className="kern-body">
                    {line.label}
                    {line.units > 1 ? ` × ${line.units}` : ''}: {euro(line.amountCents, i18n.language)}
                  </li>
                ))}
              </ul>
              <p className="kern-body">
                <strong>{t('egov.fees.total', { fee: euro(quote.totalCents, i18n.language) })}</strong>
              </p>
            </>
          ) : null}
        </div>
      </section>
    </div>
  );
}
