// Parsing of the SensorThings query options: a tokenizer and recursive-descent parser for $filter and
// $orderby expressions (an AST, translated to SQL elsewhere), and the nested $expand/$select syntax.
// Everything here is pure; errors are 400s with a message that says what was wrong where.
import { Errors } from '../../core/errors.js';
import { isIsoDuration, shiftByDuration } from '../entities/iso-time.js';

export type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'LineString'; coordinates: number[][] }
  | { type: 'Polygon'; coordinates: number[][][] };

export type Expr =
  | { k: 'lit'; type: 'string'; value: string }
  | { k: 'lit'; type: 'number'; value: number }
  | { k: 'lit'; type: 'boolean'; value: boolean }
  | { k: 'lit'; type: 'null' }
  | { k: 'lit'; type: 'datetime'; value: Date }
  | { k: 'lit'; type: 'date'; value: string }
  | { k: 'lit'; type: 'interval'; value: Date; end: Date }
  /** An ISO 8601 duration (`duration'PT1H'`), as PostgreSQL reads it. */
  | { k: 'lit'; type: 'duration'; value: string }
  | { k: 'lit'; type: 'geometry'; value: Geometry }
  | { k: 'path'; segments: string[] }
  | { k: 'bin'; op: string; left: Expr; right: Expr }
  | { k: 'not'; arg: Expr }
  | { k: 'neg'; arg: Expr }
  | { k: 'call'; name: string; args: Expr[] }
  /** `Datastreams/any(d: d/name eq 'x')`, `all(...)`; `any()` without a body asks for any related entity. */
  | { k: 'lambda'; op: 'any' | 'all'; path: string[]; variable?: string; body?: Expr };

type Token =
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'dt'; v: Date; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'interval'; v: Date; end: Date; pos: number }
  | { t: 'duration'; v: string; pos: number }
  | { t: 'geo'; v: Geometry; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'punc'; v: '(' | ')' | ',' | ':'; pos: number };

const bad = (message: string) => Errors.badRequest(message);

const DATETIME =
  /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2}| \d{2}:\d{2})?/;

export function parseIsoInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * The instant of a DATETIME match that has a time (invalid Date if the calendar has no such day). A '+' of
 * a time zone offset may arrive decoded as a space (form encoding).
 */
function instantOf(match: RegExpExecArray): Date {
  const zone = match[3]?.startsWith(' ') ? `+${match[3].slice(1)}` : match[3];
  return new Date(`${match[1]}${match[2]}${zone ?? 'Z'}`);
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      tokens.push({ t: 'punc', v: c, pos });
      i++;
      continue;
    }
    if (c === "'") {
      const [value, end] = readQuoted(input, i);
      tokens.push({ t: 'str', v: value, pos });
      i = end;
      continue;
    }
    const rest = input.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt && (dt[2] || !/^\d{4}-\d{2}-\d{2}\d/.test(rest))) {
      if (dt[2]) {
        const date = instantOf(dt);
        if (Number.isNaN(date.getTime())) throw bad(`Invalid date/time at position ${pos}`);
        // An ISO 8601 interval: start/end (two date/times joined by '/') or start/duration.
        const after = input.slice(i + dt[0].length);
        const durationMatch = after.startsWith('/') ? /^P[\dYMWDTHS.]*/.exec(after.slice(1)) : null;
        if (durationMatch) {
          const end = isIsoDuration(durationMatch[0]) && shiftByDuration(date, durationMatch[0], 1);
          if (!end) throw bad(`Invalid time interval at position ${pos}`);
          tokens.push({ t: 'interval', v: date, end, pos });
          i += dt[0].length + 1 + durationMatch[0].length;
          continue;
        }
        const endMatch = after.startsWith('/') ? DATETIME.exec(after.slice(1)) : null;
        if (endMatch?.[2]) {
          const end = instantOf(endMatch);
          if (Number.isNaN(end.getTime()) || end < date)
            throw bad(`Invalid time interval at position ${pos}`);
          tokens.push({ t: 'interval', v: date, end, pos });
          i += dt[0].length + 1 + endMatch[0].length;
          continue;
        }
        tokens.push({ t: 'dt', v: date, pos });
      } else {
        if (Number.isNaN(new Date(`${dt[1]}T00:00:00Z`).getTime()))
          throw bad(`Invalid date at position ${pos}`);
        tokens.push({ t: 'date', v: dt[1]!, pos });
      }
      i += dt[0].length - (dt[3] && !dt[2] ? dt[3].length : 0);
      continue;
    }
    // An ISO 8601 interval written duration/end (e.g. PT1H/2026-11-01T12:00:00Z).
    const leading = /^(P[\dYMWDTHS.]+)\//.exec(rest);
    const leadingEnd = leading ? DATETIME.exec(rest.slice(leading[0].length)) : null;
    if (leading && leadingEnd?.[2]) {
      const end = instantOf(leadingEnd);
      const start =
        !Number.isNaN(end.getTime()) && isIsoDuration(leading[1]!) && shiftByDuration(end, leading[1]!, -1);
      if (!start) throw bad(`Invalid time interval at position ${pos}`);
      tokens.push({ t: 'interval', v: start, end, pos });
      i += leading[0].length + leadingEnd[0].length;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])/.exec(rest);
    if (num) {
      tokens.push({ t: 'num', v: Number(num[0]), pos });
      i += num[0].length;
      continue;
    }
    if (/^duration'/i.test(rest)) {
      const [value, end] = readQuoted(input, i + 'duration'.length);
      if (!isIsoDuration(value)) throw bad(`Invalid ISO 8601 duration '${value}' at position ${pos}`);
      tokens.push({ t: 'duration', v: value, pos });
      i = end;
      continue;
    }
    const geo = /^(geography|geometry)'/i.exec(rest);
    if (geo) {
      const [value, end] = readQuoted(input, i + geo[0].length - 1);
      tokens.push({ t: 'geo', v: parseWkt(value), pos });
      i = end;
      continue;
    }
    // A path; JSON array elements by index too (`properties/intIntArray[1][0]`).
    const id =
      /^(@iot\.id|[A-Za-z_][\w.]*(\[\d{1,9}\])*(\/(@iot\.id|[A-Za-z_$][\w.]*(\[\d{1,9}\])*|\d+))*)/.exec(
        rest,
      );
    if (id) {
      tokens.push({ t: 'id', v: id[0], pos });
      i += id[0].length;
      continue;
    }
    if (c === '-') {
      tokens.push({ t: 'id', v: '-', pos });
      i++;
      continue;
    }
    throw bad(`Unexpected character '${c}' at position ${pos} of the expression`);
  }
  return tokens;
}

function readQuoted(input: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= input.length) throw bad(`Unterminated string starting at position ${start}`);
    const ch = input[i]!;
    if (ch === "'") {
      if (input[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    value += ch;
    i++;
  }
}

const num = (s: string) => {
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw bad(`Invalid coordinate '${s}' in WKT`);
  return n;
};
const pointList = (s: string) =>
  s
    .split(',')
    .map((p) => p.trim().split(/\s+/).map(num))
    .map((p) => {
      if (p.length < 2 || p.length > 3) throw bad('A WKT position has two or three coordinates');
      return p;
    });

export function parseWkt(text: string): Geometry {
  const m = /^\s*(?:SRID=\d+;)?\s*(POINT|LINESTRING|POLYGON)\s*\((.*)\)\s*$/is.exec(text);
  if (!m) throw bad(`Unsupported or malformed WKT '${text}' (POINT, LINESTRING and POLYGON are supported)`);
  const kind = m[1]!.toUpperCase();
  const body = m[2]!.trim();
  if (kind === 'POINT') {
    const [p, ...more] = pointList(body);
    if (!p || more.length > 0) throw bad('A WKT POINT has one position');
    return { type: 'Point', coordinates: p };
  }
  if (kind === 'LINESTRING') {
    const coordinates = pointList(body);
    if (coordinates.length < 2) throw bad('A WKT LINESTRING has at least two positions');
    return { type: 'LineString', coordinates };
  }
  const rings = [...body.matchAll(/\(([^()]*)\)/g)].map((x) => pointList(x[1]!));
  if (rings.length === 0 || rings.some((ring) => ring.length < 4))
    throw bad('A WKT POLYGON has closed rings of at least four positions');
  return { type: 'Polygon', coordinates: rings };
}

const COMPARISON = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.t === 'id' && t.v === word;
  }
  private atPunc(v: '(' | ')' | ',' | ':'): boolean {
    const t = this.peek();
    return t?.t === 'punc' && t.v === v;
  }
  private expectPunc(v: '(' | ')' | ',' | ':'): void {
    const t = this.peek();
    if (t?.t !== 'punc' || t.v !== v)
      throw bad(`Expected '${v}' ${t ? `at position ${t.pos}` : 'at the end'} of '${this.source}'`);
    this.i++;
  }

  parseAll(): Expr {
    if (this.tokens.length === 0) throw bad('Empty expression');
    const e = this.or();
    const t = this.peek();
    if (t)
      throw bad(
        `Unexpected '${String(t.v instanceof Date ? t.v.toISOString() : typeof t.v === 'object' ? 'geometry' : t.v)}' at position ${t.pos}`,
      );
    return e;
  }

  /** For $orderby: an expression followed by an optional asc/desc. */
  parseOrderItem(): { expr: Expr; desc: boolean } {
    const expr = this.add();
    let desc = false;
    if (this.isWord('asc') || this.isWord('desc')) {
      desc = (this.peek() as { v: string }).v === 'desc';
      this.i++;
    }
    const t = this.peek();
    if (t) throw bad(`Unexpected token at position ${t.pos} in $orderby`);
    return { expr, desc };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.i++;
      left = { k: 'bin', op: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.i++;
      left = { k: 'bin', op: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord('not')) {
      this.i++;
      return { k: 'not', arg: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.add();
    const t = this.peek();
    if (t?.t === 'id' && COMPARISON.has(t.v)) {
      this.i++;
      return { k: 'bin', op: t.v, left, right: this.add() };
    }
    if (t?.t === 'id' && t.v === 'in') {
      this.i++;
      // `x in (a, b)` is `x eq a or x eq b`; `x in path` asks whether the JSON array at path holds x.
      if (!this.atPunc('(')) return { k: 'bin', op: 'in', left, right: this.add() };
      this.i++;
      let list: Expr = { k: 'bin', op: 'eq', left, right: this.add() };
      while (this.atPunc(',')) {
        this.i++;
        list = { k: 'bin', op: 'or', left: list, right: { k: 'bin', op: 'eq', left, right: this.add() } };
      }
      this.expectPunc(')');
      return list;
    }
    return left;
  }
  private add(): Expr {
    let left = this.mul();
    while (this.isWord('add') || this.isWord('sub')) {
      const op = (this.tokens[this.i++] as { v: string }).v;
      left = { k: 'bin', op, left, right: this.mul() };
    }
    return left;
  }
  private mul(): Expr {
    let left = this.unary();
    while (this.isWord('mul') || this.isWord('div') || this.isWord('mod')) {
      const op = (this.tokens[this.i++] as { v: string }).v;
      left = { k: 'bin', op, left, right: this.unary() };
    }
    return left;
  }
  private unary(): Expr {
    if (this.isWord('-')) {
      this.i++;
      return { k: 'neg', arg: this.unary() };
    }
    return this.primary();
  }
  /** The rest of `path/any(` or `path/all(`: `)` alone, or `variable : condition)`. */
  private lambda(path: string[], op: 'any' | 'all'): Expr {
    if (this.atPunc(')')) {
      this.i++;
      if (op === 'all') throw bad('all() needs a condition');
      return { k: 'lambda', op, path };
    }
    const variable = this.peek();
    if (variable?.t !== 'id' || !/^[A-Za-z_]\w*$/.test(variable.v))
      throw bad(`Expected a lambda variable after ${op}( in '${this.source}'`);
    this.i++;
    this.expectPunc(':');
    const body = this.or();
    this.expectPunc(')');
    return { k: 'lambda', op, path, variable: variable.v, body };
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) throw bad(`Unexpected end of expression '${this.source}'`);
    this.i++;
    switch (t.t) {
      case 'str':
        return { k: 'lit', type: 'string', value: t.v };
      case 'num':
        return { k: 'lit', type: 'number', value: t.v };
      case 'dt':
        return { k: 'lit', type: 'datetime', value: t.v };
      case 'date':
        return { k: 'lit', type: 'date', value: t.v };
      case 'interval':
        return { k: 'lit', type: 'interval', value: t.v, end: t.end };
      case 'duration':
        return { k: 'lit', type: 'duration', value: t.v };
      case 'geo':
        return { k: 'lit', type: 'geometry', value: t.v };
      case 'punc': {
        if (t.v !== '(') throw bad(`Unexpected '${t.v}' at position ${t.pos}`);
        const e = this.or();
        this.expectPunc(')');
        return e;
      }
      case 'id': {
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', type: 'boolean', value: t.v === 'true' };
        if (t.v === 'null') return { k: 'lit', type: 'null' };
        const lambda = /^(.+)\/(any|all)$/.exec(t.v);
        if (lambda && this.atPunc('(')) {
          this.i++;
          return this.lambda(lambda[1]!.split('/'), lambda[2] as 'any' | 'all');
        }
        if (this.atPunc('(')) {
          this.i++;
          const args: Expr[] = [];
          if (!this.atPunc(')')) {
            args.push(this.or());
            while (this.atPunc(',')) {
              this.i++;
              args.push(this.or());
            }
          }
          this.expectPunc(')');
          return { k: 'call', name: t.v.toLowerCase(), args };
        }
        if (/^(eq|ne|gt|ge|lt|le|in|and|or|not|add|sub|mul|div|mod|asc|desc|-)$/.test(t.v))
          throw bad(`Operator '${t.v}' at position ${t.pos} lacks an operand`);
        // `a[1][0]` is the path a/1/0: the indexes are keys of the JSON path like the names.
        return {
          k: 'path',
          segments: t.v.split('/').flatMap((seg) => seg.split(/[[\]]+/).filter((x) => x !== '')),
        };
      }
    }
  }
}

export function parseFilter(text: string): Expr {
  return new Parser(tokenize(text), text).parseAll();
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
}

export function parseOrderBy(text: string): OrderItem[] {
  return splitTopLevel(text, ',').map((part) => new Parser(tokenize(part), part).parseOrderItem());
}

/** Splits at `sep` outside parentheses and quotes. */
export function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') {
      depth--;
      if (depth < 0) throw bad(`Unbalanced parentheses in '${text}'`);
    } else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quoted) throw bad(`Unbalanced parentheses or quotes in '${text}'`);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

export interface QueryOptions {
  filter?: Expr;
  orderby?: OrderItem[];
  top?: number;
  skip?: number;
  count?: boolean;
  select?: string[];
  expand?: ExpandItem[];
  resultFormat?: 'dataArray';
  /** Nested in $expand: the options as a query string without $top/$skip, for the nextLink. */
  nextLinkQuery?: string;
}

export interface ExpandItem {
  nav: string;
  options: QueryOptions;
}

const OPTIONS = new Set([
  '$filter',
  '$orderby',
  '$top',
  '$skip',
  '$count',
  '$select',
  '$expand',
  '$resultFormat',
]);

/** Parses the options of one level (top level from the query string, nested from `$expand(...)`). */
export function parseOptions(raw: Map<string, string>, nested = false): QueryOptions {
  const options: QueryOptions = {};
  for (const [key, value] of raw) {
    if (!OPTIONS.has(key) || (nested && key === '$resultFormat')) throw bad(`Unknown query option '${key}'`);
    switch (key) {
      case '$filter':
        options.filter = parseFilter(value);
        break;
      case '$orderby':
        options.orderby = parseOrderBy(value);
        break;
      case '$top':
      case '$skip': {
        if (!/^\d{1,9}$/.test(value)) throw bad(`${key} must be a non-negative integer`);
        options[key === '$top' ? 'top' : 'skip'] = Number(value);
        break;
      }
      case '$count':
        if (value !== 'true' && value !== 'false') throw bad('$count must be true or false');
        options.count = value === 'true';
        break;
      case '$select':
        options.select = splitTopLevel(value, ',').map((s) => {
          if (!/^(@iot\.(id|selfLink)|[A-Za-z_][\w]*)$/.test(s)) throw bad(`Invalid $select item '${s}'`);
          return s === '@iot.id' ? 'id' : s;
        });
        break;
      case '$expand':
        options.expand = parseExpand(value);
        break;
      case '$resultFormat':
        if (value !== 'dataArray' && value !== 'default') throw bad(`Unsupported $resultFormat '${value}'`);
        if (value === 'dataArray') options.resultFormat = 'dataArray';
        break;
    }
  }
  return options;
}

export function parseExpand(text: string): ExpandItem[] {
  const items: ExpandItem[] = [];
  for (const part of splitTopLevel(text, ',')) {
    const m = /^([A-Za-z]+(?:\/[A-Za-z]+)*)\s*(?:\((.*)\))?$/s.exec(part);
    if (!m) throw bad(`Invalid $expand item '${part}'`);
    const raw = new Map<string, string>();
    if (m[2] !== undefined && m[2].trim() !== '') {
      for (const option of splitTopLevel(m[2], ';')) {
        const eqAt = option.indexOf('=');
        if (eqAt <= 0) throw bad(`Invalid option '${option}' in $expand`);
        const key = option.slice(0, eqAt).trim();
        if (raw.has(key)) throw bad(`Option ${key} given twice`);
        raw.set(key, option.slice(eqAt + 1));
      }
    }
    const path = m[1]!.split('/');
    // Datastreams/Observations is Datastreams($expand=Observations): the options apply to the last step.
    const options = parseOptions(raw, true);
    options.nextLinkQuery = [...raw]
      .filter(([key]) => key !== '$top' && key !== '$skip')
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join('&');
    let item: ExpandItem = { nav: path.at(-1)!, options };
    for (let i = path.length - 2; i >= 0; i--) item = { nav: path[i]!, options: { expand: [item] } };
    mergeExpand(items, item);
  }
  return items;
}

function mergeExpand(items: ExpandItem[], item: ExpandItem): void {
  const existing = items.find((x) => x.nav === item.nav);
  if (!existing) {
    items.push(item);
    return;
  }
  for (const child of item.options.expand ?? []) mergeExpand((existing.options.expand ??= []), child);
}

/** Splits a raw query string into options: '+' is a space, %-escapes decoded, repeated keys refused. */
export function rawQueryOptions(query: string): Map<string, string> {
  const raw = new Map<string, string>();
  if (!query) return raw;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eqAt = pair.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw bad('Malformed percent-encoding in the query string');
      }
    };
    let key = decode(eqAt < 0 ? pair : pair.slice(0, eqAt));
    let value = eqAt < 0 ? '' : decode(pair.slice(eqAt + 1));
    // The OGC suite encodes whole options, '=' included (`%24filter%3Dresult+eq+1`): split after decoding.
    const encodedEq = eqAt < 0 ? key.indexOf('=') : -1;
    if (encodedEq > 0) [key, value] = [key.slice(0, encodedEq), key.slice(encodedEq + 1)];
    if (!key.startsWith('$')) continue;
    if (raw.has(key)) throw bad(`Query option ${key} given twice`);
    raw.set(key, value);
  }
  return raw;
}
