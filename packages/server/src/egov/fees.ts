// Fee rules of a service: a shared list in the service version, amounts overridable per municipality
// (by rule id). A rule applies always or when a form field has a value; it may count per unit of a
// number field or per entry of a list (e.g. 12 € for the first certificate, 6 € for each further one).
import Type, { type Static } from 'typebox';

export const FeeRule = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    amountCents: Type.Integer({ minimum: 0, maximum: 100_000_00 }),
    when: Type.Optional(
      Type.Object(
        {
          field: Type.String({ minLength: 1, maxLength: 100 }),
          equals: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
          oneOf: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]), { maxItems: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
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

function applies(rule: FeeRule, data: Record<string, unknown>): boolean {
  if (!rule.when) return true;
  const value = valueAt(data, rule.when.field);
  if (rule.when.equals !== undefined) return value === rule.when.equals;
  if (rule.when.oneOf) return rule.when.oneOf.includes(value as string | number);
  return value !== undefined && value !== null && value !== '' && value !== false;
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

export function formatEuro(cents: number, locale: 'de' | 'en' = 'de'): string {
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    style: 'currency',
    currency: 'EUR',
  }).format(cents / 100);
}
