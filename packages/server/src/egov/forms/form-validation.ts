// Server-side validation of a submission against its form-js schema: the browser's checks are a
// convenience, these are the rule. Fields hidden by a condition (FEEL, as form-js evaluates it) are
// dropped; required, length, pattern, min/max, options and file references are checked; anything the
// schema does not name is not stored.
import { evaluate } from 'feelin';

export interface FormComponent {
  type: string;
  id?: string;
  key?: string;
  path?: string;
  label?: string;
  components?: FormComponent[];
  conditional?: { hide?: string };
  validate?: {
    required?: boolean;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    min?: number;
    max?: number;
    validationType?: string;
  };
  values?: { label: string; value: string }[];
  subtype?: string;
  multiple?: boolean;
  isRepeating?: boolean;
  disabled?: boolean;
  readonly?: boolean | string;
}

export interface FormSchema {
  type?: string;
  id?: string;
  components: FormComponent[];
}

export type FieldErrors = Record<string, string[]>;

export interface ValidationResult {
  valid: boolean;
  errors: FieldErrors;
  /** The submission reduced to what the schema asks for, hidden fields left out. */
  data: Record<string, unknown>;
  /** Every file reference, with the field it came from (for linking attachments to the case). */
  fileRefs: { field: string; fileId: string }[];
}

export interface ValidationOptions {
  /** Accept incomplete data (drafts): only shape and format errors count, not missing required fields. */
  partial?: boolean;
  /** Is this id an attachment uploaded to the case? */
  isKnownFile?: (fileId: string) => boolean;
}

const VALUE_TYPES = new Set([
  'textfield',
  'textarea',
  'number',
  'checkbox',
  'checklist',
  'radio',
  'select',
  'taglist',
  'datetime',
  'filepicker',
]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()/-]{5,30}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$/;
const MAX_TEXT = 10_000;
const MAX_LIST = 100;

/**
 * The part of the scope an expression can name. feelin copies and scans the whole scope on every
 * evaluation, and the scope is the submitted data, so only what the expression's text names goes in: for
 * `urkunde.art` the value at that path, not the whole group with the citizen's other answers (which would
 * also make every submission's memo key below different). A name used any other way brings its whole value.
 */
export function conditionScope(
  expression: string,
  context: Record<string, unknown>,
): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  for (const key of Object.keys(context)) {
    if (!expression.includes(key)) continue;
    const paths = IDENTIFIER.test(key) ? pathsAfter(expression, key) : undefined;
    if (!paths) {
      scope[key] = context[key];
      continue;
    }
    // Longest first, so that a shorter path copied later replaces the objects the longer one created
    // instead of writing into the submitted data.
    for (const path of paths.map((p) => objectPrefix(context, p)).sort((a, b) => b.length - a.length))
      write(scope, path, read(context, path));
  }
  return scope;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The property paths `key.a.b` the expression starts at `key` (not a `key` inside a longer name or after a
 * dot); undefined if it names `key` alone anywhere: passed to a function, compared as a whole, filtered.
 */
function pathsAfter(expression: string, key: string): string[][] | undefined {
  const paths: string[][] = [];
  const occurrence = new RegExp(
    `(?<![A-Za-z0-9_]|\\.\\s*)${key}(?![A-Za-z0-9_])((?:\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_]*)*)`,
    'g',
  );
  for (const match of expression.matchAll(occurrence)) {
    if (!match[1]) return undefined;
    paths.push([
      key,
      ...match[1]
        .split('.')
        .map((s) => s.trim())
        .filter(Boolean),
    ]);
  }
  return paths;
}

/** The path cut where the submitted data stops being plain objects: a list or value is copied whole. */
function objectPrefix(context: Record<string, unknown>, path: string[]): string[] {
  let current: unknown = context;
  for (let i = 0; i < path.length - 1; i++) {
    current = (current as Record<string, unknown>)[path[i]!];
    if (current === null || typeof current !== 'object' || Array.isArray(current))
      return path.slice(0, i + 1);
  }
  return path;
}

function isHidden(component: FormComponent, context: Record<string, unknown>): boolean {
  const hide = component.conditional?.hide;
  if (!hide) return false;
  const expression = hide.startsWith('=') ? hide.slice(1) : hide;
  const scope = conditionScope(expression, context);
  // feelin parses the text on every evaluation (~0.2 ms); the same condition meets the same few values
  // (a radio's options) in submission after submission. now()/today() answer differently over time.
  const memoKey = CLOCK_FUNCTION.test(expression) ? undefined : `${expression}\u0000${JSON.stringify(scope)}`;
  const known = memoKey === undefined ? undefined : hiddenMemo.get(memoKey);
  if (known !== undefined) return known;
  let hidden: boolean;
  try {
    hidden = evaluate(expression, scope).value === true;
  } catch {
    // A broken condition must not hide a field the citizen was asked for.
    hidden = false;
  }
  if (memoKey !== undefined) {
    if (hiddenMemo.size >= HIDDEN_MEMO_SIZE) hiddenMemo.clear();
    hiddenMemo.set(memoKey, hidden);
  }
  return hidden;
}

const CLOCK_FUNCTION = /\b(now|today)\s*\(/;
const HIDDEN_MEMO_SIZE = 2_000;
const hiddenMemo = new Map<string, boolean>();

function pathSegments(path: string | undefined): string[] {
  return path ? path.split('.').filter(Boolean) : [];
}

function read(data: unknown, segments: string[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function write(target: Record<string, unknown>, segments: string[], value: unknown): void {
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[segments.at(-1)!] = value;
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

class Validator {
  readonly errors: FieldErrors = {};
  readonly fileRefs: { field: string; fileId: string }[] = [];

  constructor(private readonly options: ValidationOptions) {}

  private fail(field: string, message: string) {
    (this.errors[field] ??= []).push(message);
  }

  /** Walks components; `source`/`target` are the objects at the current path, `context` the FEEL scope. */
  walk(
    components: FormComponent[],
    source: unknown,
    target: Record<string, unknown>,
    context: Record<string, unknown>,
    prefix: string,
  ): void {
    for (const component of components) {
      if (isHidden(component, context)) continue;
      if (component.type === 'group' && component.components) {
        const segments = pathSegments(component.path);
        const nestedSource = segments.length ? read(source, segments) : source;
        const nestedTarget: Record<string, unknown> = segments.length ? {} : target;
        this.walk(
          component.components,
          nestedSource,
          nestedTarget,
          context,
          segments.length ? `${prefix}${component.path}.` : prefix,
        );
        if (segments.length && Object.keys(nestedTarget).length > 0) write(target, segments, nestedTarget);
        continue;
      }
      if (component.type === 'dynamiclist' && component.components && component.path) {
        this.list(component, source, target, context, prefix);
        continue;
      }
      if (!component.key || !VALUE_TYPES.has(component.type)) continue;
      const field = `${prefix}${component.key}`;
      const segments = pathSegments(component.key);
      const value = read(source, segments);
      const checked = this.field(component, field, value);
      if (checked !== undefined) write(target, segments, checked);
    }
  }

  private list(
    component: FormComponent,
    source: unknown,
    target: Record<string, unknown>,
    context: Record<string, unknown>,
    prefix: string,
  ) {
    const field = `${prefix}${component.path}`;
    const segments = pathSegments(component.path);
    const items = read(source, segments);
    if (items === undefined || items === null) {
      if (component.validate?.required && !this.options.partial) this.fail(field, 'required');
      return;
    }
    if (!Array.isArray(items)) return this.fail(field, 'must be a list');
    if (items.length > MAX_LIST) return this.fail(field, `at most ${MAX_LIST} entries`);
    const cleaned = items.map((item, index) => {
      const entry: Record<string, unknown> = {};
      const scope =
        item !== null && typeof item === 'object' && !Array.isArray(item)
          ? { ...context, ...(item as Record<string, unknown>) }
          : context;
      this.walk(component.components!, item, entry, scope, `${field}[${index}].`);
      return entry;
    });
    write(target, segments, cleaned);
  }

  private field(component: FormComponent, field: string, value: unknown): unknown {
    const rules = component.validate ?? {};
    if (isEmpty(value)) {
      if (rules.required && !this.options.partial && component.type !== 'checkbox')
        this.fail(field, 'required');
      if (component.type === 'checkbox' && rules.required && !this.options.partial && value !== true)
        this.fail(field, 'required');
      return undefined;
    }
    switch (component.type) {
      case 'textfield':
      case 'textarea':
        return this.text(component, field, value);
      case 'number':
        return this.number(component, field, value);
      case 'checkbox':
        if (typeof value !== 'boolean') return this.fail(field, 'must be true or false');
        if (rules.required && !value && !this.options.partial) this.fail(field, 'required');
        return value;
      case 'radio':
      case 'select':
        if (typeof value !== 'string' && typeof value !== 'number') return this.fail(field, 'invalid choice');
        if (!this.allowed(component, value)) return this.fail(field, 'invalid choice');
        return value;
      case 'checklist':
      case 'taglist':
        if (!Array.isArray(value) || value.length > MAX_LIST) return this.fail(field, 'must be a list');
        if (
          !value.every((v) => (typeof v === 'string' || typeof v === 'number') && this.allowed(component, v))
        )
          return this.fail(field, 'invalid choice');
        return value;
      case 'datetime':
        return this.datetime(component, field, value);
      case 'filepicker':
        return this.files(component, field, value);
      default:
        return undefined;
    }
  }

  private allowed(component: FormComponent, value: string | number): boolean {
    // Options from a data source (valuesKey/valuesExpression) cannot be checked here.
    if (!component.values) return true;
    return component.values.some((option) => option.value === value || option.value === String(value));
  }

  private text(component: FormComponent, field: string, value: unknown): unknown {
    if (typeof value !== 'string') return this.fail(field, 'must be text');
    const rules = component.validate ?? {};
    const text = value.trim();
    if (text.length > MAX_TEXT) return this.fail(field, `at most ${MAX_TEXT} characters`);
    if (rules.minLength !== undefined && text.length < rules.minLength)
      this.fail(field, `at least ${rules.minLength} characters`);
    if (rules.maxLength !== undefined && text.length > rules.maxLength)
      this.fail(field, `at most ${rules.maxLength} characters`);
    if (rules.validationType === 'email' && !EMAIL.test(text)) this.fail(field, 'must be an e-mail address');
    if (rules.validationType === 'phone' && !PHONE.test(text)) this.fail(field, 'must be a phone number');
    if (rules.pattern) {
      let pattern: RegExp | null;
      try {
        pattern = new RegExp(`^(?:${rules.pattern})$`, 'u');
      } catch {
        pattern = null;
      }
      if (pattern && !pattern.test(text)) this.fail(field, 'does not match the expected format');
    }
    return text;
  }

  private number(component: FormComponent, field: string, value: unknown): unknown {
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isFinite(parsed)) return this.fail(field, 'must be a number');
    const rules = component.validate ?? {};
    if (rules.min !== undefined && parsed < rules.min) this.fail(field, `at least ${rules.min}`);
    if (rules.max !== undefined && parsed > rules.max) this.fail(field, `at most ${rules.max}`);
    return parsed;
  }

  private datetime(component: FormComponent, field: string, value: unknown): unknown {
    if (typeof value !== 'string') return this.fail(field, 'must be a date');
    const subtype = component.subtype ?? 'date';
    const ok =
      subtype === 'date'
        ? DATE.test(value) && !Number.isNaN(Date.parse(value))
        : subtype === 'time'
          ? TIME.test(value)
          : !Number.isNaN(Date.parse(value));
    if (!ok) return this.fail(field, 'must be a date');
    return value;
  }

  private files(component: FormComponent, field: string, value: unknown): unknown {
    const ids = Array.isArray(value) ? value : [value];
    if (ids.length > 20) return this.fail(field, 'at most 20 files');
    if (!component.multiple && ids.length > 1) return this.fail(field, 'only one file');
    for (const id of ids) {
      if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id) || !(this.options.isKnownFile?.(id) ?? false))
        return this.fail(field, 'unknown file');
    }
    for (const id of ids as string[]) this.fileRefs.push({ field, fileId: id });
    return ids;
  }
}

export function validateSubmission(
  schema: FormSchema,
  data: unknown,
  options: ValidationOptions = {},
): ValidationResult {
  const validator = new Validator(options);
  const source = data !== null && typeof data === 'object' && !Array.isArray(data) ? data : {};
  const cleaned: Record<string, unknown> = {};
  validator.walk(schema.components, source, cleaned, source as Record<string, unknown>, '');
  return {
    valid: Object.keys(validator.errors).length === 0,
    errors: validator.errors,
    data: cleaned,
    fileRefs: validator.fileRefs,
  };
}

/** Every field key in a schema (for the designer's checks and the FIM key hints). */
export function fieldKeys(schema: FormSchema): string[] {
  const keys: string[] = [];
  const visit = (components: FormComponent[], prefix: string) => {
    for (const c of components) {
      if (c.type === 'group' && c.components) visit(c.components, c.path ? `${prefix}${c.path}.` : prefix);
      else if (c.type === 'dynamiclist' && c.components && c.path)
        visit(c.components, `${prefix}${c.path}[].`);
      else if (c.key && VALUE_TYPES.has(c.type)) keys.push(`${prefix}${c.key}`);
    }
  };
  visit(schema.components, '');
  return keys;
}
