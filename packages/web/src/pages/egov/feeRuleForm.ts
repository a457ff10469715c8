// The fee-rule editor's model: each rule of egov/fees.ts (server) as plain form values (texts the
// inputs show), and back. Amounts are typed in euro ("12,50"); compared values take the type of the
// form field they are compared with (a checkbox gives true/false, a number field a number), because
// the server compares them exactly.

export interface FeeCondition {
  field: string;
  equals?: string | number | boolean;
  oneOf?: (string | number)[];
}

export interface FeeRule {
  id: string;
  label: string;
  amountCents: number;
  when?: FeeCondition;
  unless?: FeeCondition;
  perUnit?: { field: string; minus?: number };
}

export type FieldType = 'text' | 'number' | 'boolean' | 'list';

/** A form field a rule can refer to: dotted key, label for the designer, and what kind of value it holds. */
export interface FormField {
  key: string;
  label: string;
  type: FieldType;
}

export type ConditionMode = 'none' | 'filled' | 'equals' | 'oneOf';

export interface ConditionDraft {
  mode: ConditionMode;
  field: string;
  /** equals: the value; oneOf: values separated by commas. */
  value: string;
}

export interface FeeRuleDraft {
  id: string;
  label: string;
  amount: string;
  perUnit: boolean;
  unitField: string;
  freeUnits: string;
  when: ConditionDraft;
  unless: ConditionDraft;
}

/** Why an input is not usable: the text key under egov.fees.errors in locales/egov. */
export type DraftErrorCode =
  | 'idInvalid'
  | 'idTwice'
  | 'labelMissing'
  | 'amountInvalid'
  | 'fieldMissing'
  | 'freeUnitsInvalid'
  | 'valueMissing'
  | 'numberExpected'
  | 'valuesMissing';

/** Which input of a rule is wrong, and why. */
export type DraftErrors = Partial<
  Record<
    | 'id'
    | 'label'
    | 'amount'
    | 'unitField'
    | 'freeUnits'
    | 'whenField'
    | 'whenValue'
    | 'unlessField'
    | 'unlessValue',
    DraftErrorCode
  >
>;

const VALUE_TYPES: Record<string, FieldType> = {
  textfield: 'text',
  textarea: 'text',
  select: 'text',
  radio: 'text',
  datetime: 'text',
  number: 'number',
  checkbox: 'boolean',
  checklist: 'list',
  taglist: 'list',
  filepicker: 'list',
};

interface SchemaComponent {
  type?: string;
  key?: string;
  path?: string;
  label?: string;
  components?: SchemaComponent[];
}

/** The value fields of a form-js schema (groups give a dotted prefix; a dynamic list counts as a list). */
export function formFields(schema: { components?: SchemaComponent[] } | null | undefined): FormField[] {
  const fields: FormField[] = [];
  const visit = (components: SchemaComponent[], prefix: string, labels: string[]) => {
    for (const c of components) {
      if (c.type === 'group' && c.components) {
        visit(c.components, c.path ? `${prefix}${c.path}.` : prefix, c.label ? [...labels, c.label] : labels);
      } else if (c.type === 'dynamiclist' && c.path) {
        fields.push({
          key: `${prefix}${c.path}`,
          label: [...labels, c.label ?? c.path].join(' › '),
          type: 'list',
        });
      } else if (c.key && c.type && VALUE_TYPES[c.type]) {
        fields.push({
          key: `${prefix}${c.key}`,
          label: [...labels, c.label ?? c.key].join(' › '),
          type: VALUE_TYPES[c.type]!,
        });
      }
    }
  };
  visit(schema?.components ?? [], '', []);
  return fields;
}

/** Euro as typed by people: "12", "12,5", "12,50", "1.234,50", "12.50". Answers cents or null. */
export function parseEuro(text: string): number | null {
  let cleaned = text.replace(/[\s€]/g, '');
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(cleaned)) cleaned = cleaned.replace(/\./g, '');
  const match = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
  return cents <= 100_000_00 ? cents : null;
}

export function euroInput(cents: number, language: string): string {
  const text = (cents / 100).toFixed(2);
  return language === 'en' ? text : text.replace('.', ',');
}

const emptyCondition: ConditionDraft = { mode: 'none', field: '', value: '' };

function conditionDraft(condition: FeeCondition | undefined): ConditionDraft {
  if (!condition || typeof condition !== 'object' || typeof condition.field !== 'string')
    return emptyCondition;
  if (condition.equals !== undefined)
    return { mode: 'equals', field: condition.field, value: String(condition.equals) };
  if (Array.isArray(condition.oneOf))
    return { mode: 'oneOf', field: condition.field, value: condition.oneOf.join(', ') };
  return { mode: 'filled', field: condition.field, value: '' };
}

/** The form values of a rule; tolerant, because the JSON view may hand over anything. */
export function draftOf(rule: FeeRule, language: string): FeeRuleDraft {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const perUnit = rule.perUnit && typeof rule.perUnit === 'object' ? rule.perUnit : undefined;
  return {
    id: text(rule.id),
    label: text(rule.label),
    amount: typeof rule.amountCents === 'number' ? euroInput(rule.amountCents, language) : '',
    perUnit: perUnit !== undefined,
    unitField: text(perUnit?.field),
    freeUnits: typeof perUnit?.minus === 'number' && perUnit.minus > 0 ? String(perUnit.minus) : '',
    when: conditionDraft(rule.when),
    unless: conditionDraft(rule.unless),
  };
}

/** A new rule with an id not used yet (gebuehr-1, gebuehr-2, …). */
export function newDraft(existing: readonly FeeRuleDraft[]): FeeRuleDraft {
  let n = existing.length + 1;
  while (existing.some((d) => d.id === `gebuehr-${n}`)) n++;
  return {
    id: `gebuehr-${n}`,
    label: '',
    amount: '',
    perUnit: false,
    unitField: '',
    freeUnits: '',
    when: emptyCondition,
    unless: emptyCondition,
  };
}

/** A typed value for the field's type; undefined when it does not fit (e.g. "abc" for a number). */
function typedValue(text: string, type: FieldType | undefined): string | number | boolean | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (type === 'number')
    return /^-?\d+(?:[.,]\d+)?$/.test(trimmed) ? Number(trimmed.replace(',', '.')) : undefined;
  if (type === 'boolean') return trimmed === 'true' ? true : trimmed === 'false' ? false : undefined;
  return trimmed;
}

function conditionOf(
  draft: ConditionDraft,
  fields: readonly FormField[],
  errors: DraftErrors,
  prefix: 'when' | 'unless',
): FeeCondition | undefined {
  if (draft.mode === 'none') return undefined;
  if (!draft.field) {
    errors[`${prefix}Field`] = 'fieldMissing';
    return undefined;
  }
  const type = fields.find((f) => f.key === draft.field)?.type;
  if (draft.mode === 'filled') return { field: draft.field };
  if (draft.mode === 'equals') {
    const value = typedValue(draft.value, type);
    if (value === undefined) errors[`${prefix}Value`] = type === 'number' ? 'numberExpected' : 'valueMissing';
    return value === undefined ? undefined : { field: draft.field, equals: value };
  }
  const values = draft.value
    .split(',')
    .map((v) => typedValue(v, type === 'boolean' ? 'text' : type))
    .filter((v): v is string | number => v !== undefined && typeof v !== 'boolean');
  if (values.length === 0) errors[`${prefix}Value`] = 'valuesMissing';
  return values.length === 0 ? undefined : { field: draft.field, oneOf: values };
}

/** The rule the form describes, or the inputs that are not usable yet. */
export function ruleOf(
  draft: FeeRuleDraft,
  fields: readonly FormField[],
): { rule: FeeRule | null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(draft.id)) errors.id = 'idInvalid';
  if (!draft.label.trim()) errors.label = 'labelMissing';
  const amountCents = parseEuro(draft.amount);
  if (amountCents === null) errors.amount = 'amountInvalid';
  let perUnit: FeeRule['perUnit'];
  if (draft.perUnit) {
    if (!draft.unitField) errors.unitField = 'fieldMissing';
    const free = draft.freeUnits.trim() === '' ? 0 : Number(draft.freeUnits);
    if (!Number.isInteger(free) || free < 0 || free > 1000) errors.freeUnits = 'freeUnitsInvalid';
    else perUnit = free > 0 ? { field: draft.unitField, minus: free } : { field: draft.unitField };
  }
  const when = conditionOf(draft.when, fields, errors, 'when');
  const unless = conditionOf(draft.unless, fields, errors, 'unless');
  if (Object.keys(errors).length > 0 || amountCents === null) return { rule: null, errors };
  return {
    rule: {
      id: draft.id,
      label: draft.label.trim(),
      amountCents,
      ...(when ? { when } : {}),
      ...(unless ? { unless } : {}),
      ...(perUnit ? { perUnit } : {}),
    },
    errors,
  };
}

/** Rule ids used twice: the second and later get an error (the server says the same). */
export function duplicateIds(drafts: readonly FeeRuleDraft[]): Set<number> {
  const seen = new Set<string>();
  const duplicates = new Set<number>();
  drafts.forEach((d, index) => {
    if (seen.has(d.id)) duplicates.add(index);
    seen.add(d.id);
  });
  return duplicates;
}
