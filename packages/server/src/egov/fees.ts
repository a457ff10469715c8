// Fee rules of a service: a shared list in the service version, amounts overridable per municipality
// (by rule id). A rule applies always or when a form field has a value; it may count per unit of a
// number field or per entry of a list (e.g. 12 € for the first certificate, 6 € for each further one);
// an exemption (`unless`) waives it when a form value says so (e.g. proof of social benefits).
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

const FeeCondition = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 100 }),
    equals: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    oneOf: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type FeeCondition = Static<typeof FeeCondition>;

export const FeeRule = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    amountCents: Type.Integer({ minimum: 0, maximum: 100_000_00 }),
    /** The rule applies only when this holds. */
    when: Type.Optional(FeeCondition),
    /** Exemption: the rule does not apply when this holds, even if `when` does. */
    unless: Type.Optional(FeeCondition),
    perUnit: Type.Optional(
      Type.Object(
        {
          field: Type.String({ minLength: 1, maxLength: 100 }),
          /** Units that are free or paid by another rule (e.g. 1 for "each further copy"). */
          minus: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FeeRule = Static<typeof FeeRule>;
export type FeeOverrides = Record<string, number>;

export interface FeeLine {
  ruleId: string;
  label: string;
  units: number;
  amountCents: number;
}

export interface FeeQuote {
  lines: FeeLine[];
  totalCents: number;
}

/** Reads a dotted path (`antrag.anzahl`) from form data. */
export function valueAt(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function units(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.floor(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

function holds(condition: FeeCondition, data: Record<string, unknown>): boolean {
  const value = valueAt(data, condition.field);
  if (condition.equals !== undefined) return value === condition.equals;
  if (condition.oneOf) return condition.oneOf.includes(value as string | number);
  return value !== undefined && value !== null && value !== '' && value !== false;
}

function applies(rule: FeeRule, data: Record<string, unknown>): boolean {
  if (rule.when && !holds(rule.when, data)) return false;
  return !(rule.unless && holds(rule.unless, data));
}

/** The fee for a submission: the municipality's override replaces a rule's amount, never its condition. */
export function computeFee(
  rules: readonly FeeRule[],
  data: Record<string, unknown>,
  overrides: FeeOverrides = {},
): FeeQuote {
  const lines: FeeLine[] = [];
  for (const rule of rules) {
    if (!applies(rule, data)) continue;
    const count = rule.perUnit
      ? Math.max(0, units(valueAt(data, rule.perUnit.field)) - (rule.perUnit.minus ?? 0))
      : 1;
    if (count === 0) continue;
    const unitCents = overrides[rule.id] ?? rule.amountCents;
    lines.push({ ruleId: rule.id, label: rule.label, units: count, amountCents: unitCents * count });
  }
  return { lines, totalCents: lines.reduce((sum, l) => sum + l.amountCents, 0) };
}

// Built once: a NumberFormat costs more to create than to use, and a receipt formats several amounts.
const EURO = {
  de: new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }),
  en: new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }),
};

export function formatEuro(cents: number, locale: 'de' | 'en' = 'de'): string {
  return EURO[locale].format(cents / 100);
}

/** One problem in a list of fee rules: where (`feeRules[0].amountCents`) and what, in German. */
export interface FeeRuleProblem {
  path: string;
  message: string;
}

const MAX_RULES = 50;

/**
 * Checks fee rules as the designer sends them, with messages staff can act on. `fieldKeys` are the
 * form's value fields (`urkunde.anzahl`, `hunde[].name`); a rule may name a field or a list of the form.
 * Answers no problems for a list that computeFee can use.
 */
export function checkFeeRules(input: unknown, fieldKeys?: readonly string[]): FeeRuleProblem[] {
  if (!Array.isArray(input))
    return [{ path: 'feeRules', message: 'Die Gebührenregeln müssen eine Liste sein.' }];
  const problems: FeeRuleProblem[] = [];
  if (input.length > MAX_RULES)
    problems.push({ path: 'feeRules', message: `Höchstens ${MAX_RULES} Gebührenregeln sind möglich.` });
  const known = (field: string) =>
    !fieldKeys ||
    fieldKeys.some((key) => key === field || key.startsWith(`${field}[].`) || key.startsWith(`${field}.`));
  const seen = new Set<string>();
  input.forEach((raw: unknown, index) => {
    const at = (key: string) => `feeRules[${index}].${key}`;
    const add = (key: string, message: string) => problems.push({ path: at(key), message });
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ path: `feeRules[${index}]`, message: 'Die Regel ist kein Objekt.' });
      return;
    }
    const rule = raw as Record<string, unknown>;
    for (const key of Object.keys(rule))
      if (!['id', 'label', 'amountCents', 'when', 'unless', 'perUnit'].includes(key))
        add(key, `Die Angabe „${key}“ ist unbekannt.`);
    if (typeof rule.id !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(rule.id))
      add(
        'id',
        'Die Kennung beginnt mit einem Kleinbuchstaben und enthält nur a–z, 0–9, - und _ (höchstens 40 Zeichen).',
      );
    else if (seen.has(rule.id)) add('id', `Die Kennung „${rule.id}“ kommt mehrfach vor.`);
    else seen.add(rule.id);
    if (typeof rule.label !== 'string' || rule.label.trim() === '' || rule.label.length > 200)
      add('label', 'Bitte geben Sie eine Bezeichnung an (höchstens 200 Zeichen).');
    if (
      typeof rule.amountCents !== 'number' ||
      !Number.isInteger(rule.amountCents) ||
      rule.amountCents < 0 ||
      rule.amountCents > 100_000_00
    )
      add('amountCents', 'Der Betrag muss zwischen 0 und 100.000 Euro liegen (ganze Cent).');
    for (const kind of ['when', 'unless'] as const) {
      const condition = rule[kind];
      if (condition === undefined) continue;
      const what = kind === 'when' ? 'Bedingung' : 'Befreiung';
      if (!Value.Check(FeeCondition, condition)) {
        add(kind, `${what}: Bitte wählen Sie ein Formularfeld und höchstens eine Art von Vergleich.`);
        continue;
      }
      if (condition.equals !== undefined && condition.oneOf !== undefined)
        add(kind, `${what}: entweder „ist gleich“ oder „ist einer von“, nicht beides.`);
      if (condition.oneOf?.length === 0)
        add(`${kind}.oneOf`, `${what}: Bitte nennen Sie mindestens einen Wert.`);
      if (!known(condition.field))
        add(`${kind}.field`, `${what}: Das Formularfeld „${condition.field}“ gibt es im Formular nicht.`);
    }
    if (rule.perUnit !== undefined) {
      const perUnit = rule.perUnit as { field?: unknown; minus?: unknown };
      if (
        typeof perUnit !== 'object' ||
        perUnit === null ||
        typeof perUnit.field !== 'string' ||
        !perUnit.field
      )
        add('perUnit.field', 'Je Stück: Bitte wählen Sie das Formularfeld, das die Stückzahl angibt.');
      else if (!known(perUnit.field))
        add('perUnit.field', `Je Stück: Das Formularfeld „${perUnit.field}“ gibt es im Formular nicht.`);
      if (
        perUnit.minus !== undefined &&
        (typeof perUnit.minus !== 'number' ||
          !Number.isInteger(perUnit.minus) ||
          perUnit.minus < 0 ||
          perUnit.minus > 1000)
      )
        add('perUnit.minus', 'Je Stück: Die freie Stückzahl ist eine ganze Zahl von 0 bis 1000.');
      if (
        typeof perUnit === 'object' &&
        perUnit !== null &&
        Object.keys(perUnit).some((k) => k !== 'field' && k !== 'minus')
      )
        add('perUnit', 'Je Stück: Erlaubt sind nur das Formularfeld und die freie Stückzahl.');
    }
  });
  return problems;
}
