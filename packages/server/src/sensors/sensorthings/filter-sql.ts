// Translates $filter and $orderby ASTs into parameterized SQL on both PGlite and PostgreSQL. Every value
// from the request is a bound parameter; only identifiers from the entity model are written raw.
// Navigation paths become correlated EXISTS subqueries (any-semantics for to-many navigations), joined
// rows are subject to the viewer's visibility too. Geometry is GeoJSON in jsonb: spatial functions are
// computed in SQL from the coordinates (no PostGIS), see README.md for what is exact.
import { sql } from 'kysely';
import { Errors } from '../../core/errors.js';
import { MODEL, navOf, propertyOf, type EntityDef, type Sql } from '../entities/model.js';
import { visibleCondition, type Viewer } from '../entities/visibility.js';
import { POSTGIS_FUNCTIONS, postgisCall, postgisGeometry } from './filter-postgis.js';
import type { Expr, Geometry, OrderItem } from './query.js';

type Ty =
  | 'number'
  | 'string'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'time'
  | 'json'
  | 'geometry'
  | 'null'
  | 'interval'
  | 'duration';

interface Typed {
  sql: Sql;
  type: Ty;
  /** End of an interval (type 'interval'); null end means an instant. */
  end?: Sql;
  /** A geometry literal, known in JavaScript. */
  lit?: Geometry;
}

interface Join {
  table: string;
  alias: string;
  cond: Sql;
}

const bad = (message: string) => Errors.badRequest(message);
const r = (s: string) => sql.raw(s);
const f8 = (n: number) => sql`${n}::double precision`;

export class FilterTranslator {
  private counter = 0;
  /** The range variables of the lambda operators being translated (`d` in `Datastreams/any(d: …)`). */
  private readonly variables = new Map<string, { def: EntityDef; alias: string }>();
  constructor(
    private readonly viewer: Viewer,
    private readonly prefix = 'n',
    /** Spatial functions by PostGIS (exact relations) instead of the SQL fallback below. */
    private readonly postgis = false,
  ) {}

  /** The WHERE condition for `expr` on rows `alias` of `def`. */
  where(expr: Expr, def: EntityDef, alias: string): Sql {
    return this.bool(expr, def, alias, null);
  }

  /** ORDER BY terms. */
  orderBy(items: OrderItem[], def: EntityDef, alias: string): Sql[] {
    return items.map((item) => {
      const joins: Join[] = [];
      const v = this.value(item.expr, def, alias, joins);
      if (v.type === 'geometry') throw bad('Cannot order by a geometry');
      const direction = item.desc ? r('desc nulls last') : r('asc nulls first');
      const value =
        joins.length > 0
          ? sql`(select ${v.sql} from ${fromJoins(joins)} where ${conds(joins)} limit 1)`
          : v.sql;
      return sql`${value} ${direction}`;
    });
  }

  private bool(expr: Expr, def: EntityDef, alias: string, joins: Join[] | null): Sql {
    if (expr.k === 'bin' && (expr.op === 'and' || expr.op === 'or')) {
      const left = this.bool(expr.left, def, alias, joins);
      const right = this.bool(expr.right, def, alias, joins);
      return sql`(${left} ${r(expr.op)} ${right})`;
    }
    if (expr.k === 'not') return sql`(not ${this.bool(expr.arg, def, alias, joins)})`;
    const own: Join[] = joins ?? [];
    const v = this.value(expr, def, alias, own);
    const condition = toBoolean(v);
    if (joins || own.length === 0) return condition;
    const any = sql`exists (select 1 from ${fromJoins(own)} where ${conds(own)} and ${condition})`;
    // `Datastreams/id eq null` also holds where there is no related entity at all (the value is null
    // then, as with the outer joins of FROST-Server).
    const isNull = (e: Expr) => e.k === 'lit' && e.type === 'null';
    if (expr.k === 'bin' && expr.op === 'eq' && (isNull(expr.left) || isNull(expr.right)))
      return sql`(${any} or not exists (select 1 from ${fromJoins(own)} where ${conds(own)}))`;
    return any;
  }

  /** `path/any(v: body)` and `path/all(v: body)` as (NOT) EXISTS over the related entities. */
  private lambda(expr: Extract<Expr, { k: 'lambda' }>, def: EntityDef, alias: string): Sql {
    const joins: Join[] = [];
    const target = this.navigate(expr.path, def, alias, joins);
    if (target.rest.length > 0)
      throw bad(`${expr.op}() follows a navigation path, not '${expr.path.join('/')}'`);
    if (joins.length === 0) throw bad(`${expr.op}() needs a navigation path`);
    if (!expr.body || !expr.variable)
      return sql`exists (select 1 from ${fromJoins(joins)} where ${conds(joins)})`;
    if (this.variables.has(expr.variable)) throw bad(`Lambda variable '${expr.variable}' is already in use`);
    this.variables.set(expr.variable, { def: target.def, alias: target.alias });
    try {
      const body = this.bool(expr.body, def, alias, null);
      return expr.op === 'any'
        ? sql`exists (select 1 from ${fromJoins(joins)} where ${conds(joins)} and ${body})`
        : sql`not exists (select 1 from ${fromJoins(joins)} where ${conds(joins)} and not coalesce(${body}, false))`;
    } finally {
      this.variables.delete(expr.variable);
    }
  }

  /**
   * Follows the navigation properties at the start of `segments` (from a lambda variable when the first
   * segment names one), adding a join per step; returns where it ended and the segments left.
   */
  private navigate(segments: string[], def: EntityDef, alias: string, joins: Join[]) {
    let current = def;
    let a = alias;
    let i = 0;
    const variable = this.variables.get(segments[0]!);
    if (variable) {
      current = variable.def;
      a = variable.alias;
      i = 1;
    }
    for (; i < segments.length; i++) {
      const nav = navOf(current, segments[i]!);
      if (!nav) break;
      const target = MODEL[nav.target];
      const next = `${this.prefix}${++this.counter}`;
      joins.push({
        table: target.table,
        alias: next,
        cond: sql`${nav.link(a, next)} and ${visibleCondition(target.set, next, this.viewer)}`,
      });
      current = target;
      a = next;
    }
    return { def: current, alias: a, rest: segments.slice(i) };
  }

  private value(expr: Expr, def: EntityDef, alias: string, joins: Join[]): Typed {
    switch (expr.k) {
      case 'lit':
        return literal(expr);
      case 'path':
        return this.path(expr.segments, def, alias, joins);
      case 'neg': {
        const v = this.value(expr.arg, def, alias, joins);
        return { sql: sql`(- ${asNumber(v)})`, type: 'number' };
      }
      case 'not':
        return { sql: this.bool(expr, def, alias, joins), type: 'boolean' };
      case 'bin': {
        if (expr.op === 'and' || expr.op === 'or')
          return { sql: this.bool(expr, def, alias, joins), type: 'boolean' };
        const a = this.value(expr.left, def, alias, joins);
        const b = this.value(expr.right, def, alias, joins);
        if (['add', 'sub', 'mul', 'div', 'mod'].includes(expr.op)) return arithmetic(expr.op, a, b);
        if (expr.op === 'in') return { sql: inJsonArray(a, b), type: 'boolean' };
        return { sql: compare(expr.op, a, b), type: 'boolean' };
      }
      case 'lambda':
        return { sql: this.lambda(expr, def, alias), type: 'boolean' };
      case 'call':
        return this.call(
          expr.name,
          expr.args.map((arg) => this.value(arg, def, alias, joins)),
        );
    }
  }

  private path(segments: string[], def: EntityDef, alias: string, joins: Join[]): Typed {
    const end = this.navigate(segments, def, alias, joins);
    const current = end.def;
    const a = end.alias;
    const [name, ...rest] = end.rest;
    if (name === undefined) throw bad(`The path '${segments.join('/')}' ends in a navigation property`);
    const onlyScalar = () => {
      if (rest.length > 0) throw bad(`'${name}' of ${current.type} has no sub-properties`);
    };
    if (name === 'id' || name === '@iot.id') {
      onlyScalar();
      return { sql: r(`${a}.id`), type: 'number' };
    }
    const property = propertyOf(current, name);
    if (!property) throw bad(`Unknown property '${name}' of ${current.type}`);
    const column = r(`${a}.${property.column}`);
    switch (property.kind) {
      case 'text':
        onlyScalar();
        return { sql: column, type: 'string' };
      case 'time':
        onlyScalar();
        return { sql: column, type: 'datetime' };
      case 'interval':
      case 'timeOrInterval':
        onlyScalar();
        return { sql: column, type: 'interval', end: r(`${a}.${property.endColumn!}`) };
      case 'geometry':
        onlyScalar();
        return {
          sql: sql`(case when ${column}->>'type' = 'Feature' then ${column}->'geometry' else ${column} end)`,
          type: 'geometry',
        };
      case 'textArray':
        return jsonPath(sql`to_jsonb(${column})`, rest);
      case 'result':
        return jsonPath(sql`coalesce(to_jsonb(${r(`${a}.result_number`)}), ${column})`, rest);
      case 'json':
      case 'object':
        return jsonPath(column, rest);
    }
  }

  private call(name: string, args: Typed[]): Typed {
    const arity = (n: number, m = n) => {
      if (args.length < n || args.length > m)
        throw bad(`${name}() takes ${n === m ? n : `${n} to ${m}`} argument(s)`);
    };
    if (this.postgis && POSTGIS_FUNCTIONS.has(name)) {
      const geometries = name === 'geo.length' ? 1 : 2;
      arity(geometries + (name === 'st_relate' ? 1 : 0));
      return postgisCall(
        name,
        args.slice(0, geometries).map((a) => postgisGeometry(geom(a))),
        name === 'st_relate' ? asString(args[2]!) : undefined,
      );
    }
    const s = (i: number) => asString(args[i]!);
    const n = (i: number) => asNumber(args[i]!);
    const t = (i: number) => asDatetime(args[i]!);
    const utc = (i: number) => sql`(${t(i)} at time zone 'UTC')`;
    const part = (field: string) => {
      arity(1);
      return { sql: sql`extract(${r(field)} from ${utc(0)})::double precision`, type: 'number' as const };
    };
    switch (name) {
      case 'substringof':
        arity(2);
        return { sql: sql`(strpos(${s(1)}, ${s(0)}) > 0)`, type: 'boolean' };
      case 'contains':
        arity(2);
        return { sql: sql`(strpos(${s(0)}, ${s(1)}) > 0)`, type: 'boolean' };
      case 'startswith':
        arity(2);
        return { sql: sql`(left(${s(0)}, length(${s(1)})) = ${s(1)})`, type: 'boolean' };
      case 'endswith':
        arity(2);
        return { sql: sql`(right(${s(0)}, length(${s(1)})) = ${s(1)})`, type: 'boolean' };
      case 'length':
        arity(1);
        return { sql: sql`length(${s(0)})::double precision`, type: 'number' };
      case 'indexof':
        arity(2);
        return { sql: sql`(strpos(${s(0)}, ${s(1)}) - 1)::double precision`, type: 'number' };
      case 'substring':
        arity(2, 3);
        return {
          sql:
            args.length === 2
              ? sql`substr(${s(0)}, (${n(1)})::integer + 1)`
              : sql`substr(${s(0)}, (${n(1)})::integer + 1, greatest((${n(2)})::integer, 0))`,
          type: 'string',
        };
      case 'tolower':
        arity(1);
        return { sql: sql`lower(${s(0)})`, type: 'string' };
      case 'toupper':
        arity(1);
        return { sql: sql`upper(${s(0)})`, type: 'string' };
      case 'trim':
        arity(1);
        return { sql: sql`btrim(${s(0)})`, type: 'string' };
      case 'concat':
        arity(2);
        return { sql: sql`(${s(0)} || ${s(1)})`, type: 'string' };
      case 'year':
        return part('year');
      case 'month':
        return part('month');
      case 'day':
        return part('day');
      case 'hour':
        return part('hour');
      case 'minute':
        return part('minute');
      case 'second':
        arity(1);
        return { sql: sql`floor(extract(second from ${utc(0)}))::double precision`, type: 'number' };
      case 'fractionalseconds':
        arity(1);
        return {
          sql: sql`(extract(second from ${utc(0)}) - floor(extract(second from ${utc(0)})))::double precision`,
          type: 'number',
        };
      case 'date':
        arity(1);
        return { sql: sql`(${utc(0)})::date`, type: 'date' };
      case 'time':
        arity(1);
        return { sql: sql`(${utc(0)})::time`, type: 'time' };
      case 'totaloffsetminutes':
        arity(1);
        return { sql: sql`(0 * extract(epoch from ${t(0)}))::double precision`, type: 'number' };
      case 'now':
        arity(0);
        return { sql: sql`now()`, type: 'datetime' };
      case 'before':
      case 'after':
      case 'meets':
      case 'during':
      case 'overlaps':
      case 'starts':
      case 'finishes':
        arity(2);
        return { sql: temporal(name, args[0]!, args[1]!), type: 'boolean' };
      case 'mindatetime':
      case 'maxdatetime': {
        arity(1);
        const v = args[0]!;
        if (v.type === 'interval')
          return {
            sql: name === 'mindatetime' ? v.sql : sql`coalesce(${v.end!}, ${v.sql})`,
            type: 'datetime',
          };
        return { sql: t(0), type: 'datetime' };
      }
      case 'round':
      case 'floor':
      case 'ceiling':
        arity(1);
        return {
          sql: sql`${r(name === 'ceiling' ? 'ceil' : name)}(${n(0)})::double precision`,
          type: 'number',
        };
      case 'geo.distance':
        arity(2);
        return { sql: distance(args[0]!, args[1]!), type: 'number' };
      case 'geo.length':
        arity(1);
        return { sql: lengthOf(args[0]!), type: 'number' };
      case 'geo.intersects':
      case 'st_intersects':
        arity(2);
        return { sql: intersects(args[0]!, args[1]!), type: 'boolean' };
      case 'st_disjoint':
        arity(2);
        return { sql: sql`(not ${intersects(args[0]!, args[1]!)})`, type: 'boolean' };
      case 'st_within':
        arity(2);
        return { sql: within(args[0]!, args[1]!), type: 'boolean' };
      case 'st_contains':
        arity(2);
        return { sql: within(args[1]!, args[0]!), type: 'boolean' };
      case 'st_equals':
        arity(2);
        return { sql: sql`(${geom(args[0]!)} = ${geom(args[1]!)})`, type: 'boolean' };
      case 'st_touches':
      case 'st_overlaps':
      case 'st_crosses':
      case 'st_relate':
        throw bad(`${name}() is not supported by this server (no spatial database)`);
      default:
        throw bad(`Unknown function '${name}'`);
    }
  }
}

function fromJoins(joins: Join[]): Sql {
  return sql.join(
    joins.map((j) => r(`${j.table} ${j.alias}`)),
    sql`, `,
  );
}
function conds(joins: Join[]): Sql {
  return sql.join(
    joins.map((j) => j.cond),
    sql` and `,
  );
}

function literal(expr: Extract<Expr, { k: 'lit' }>): Typed {
  switch (expr.type) {
    case 'string':
      return { sql: sql`${expr.value}::text`, type: 'string' };
    case 'number':
      return { sql: f8(expr.value), type: 'number' };
    case 'boolean':
      return { sql: sql`${expr.value}::boolean`, type: 'boolean' };
    case 'null':
      return { sql: sql`null`, type: 'null' };
    case 'datetime':
      return { sql: sql`${expr.value.toISOString()}::timestamptz`, type: 'datetime' };
    case 'date':
      return { sql: sql`${expr.value}::date`, type: 'date' };
    case 'interval':
      return {
        sql: sql`${expr.value.toISOString()}::timestamptz`,
        type: 'interval',
        end: sql`${expr.end.toISOString()}::timestamptz`,
      };
    case 'duration':
      return { sql: sql`${expr.value}::interval`, type: 'duration' };
    case 'geometry':
      return { sql: sql`${JSON.stringify(expr.value)}::jsonb`, type: 'geometry', lit: expr.value };
  }
}

function jsonPath(base: Sql, rest: string[]): Typed {
  if (rest.length === 0) return { sql: base, type: 'json' };
  return {
    sql: sql`jsonb_extract_path(${base}, ${sql.join(rest.map((k) => sql`${k}::text`))})`,
    type: 'json',
  };
}

const jsonText = (j: Sql) => sql`(${j} #>> '{}')`;

function asNumber(v: Typed): Sql {
  if (v.type === 'number' || v.type === 'null') return v.sql;
  if (v.type === 'json')
    return sql`(case when jsonb_typeof(${v.sql}) = 'number' then ${jsonText(v.sql)}::double precision end)`;
  throw bad(`Expected a number, got a ${v.type}`);
}
function asString(v: Typed): Sql {
  if (v.type === 'string' || v.type === 'null') return v.sql;
  if (v.type === 'json') return jsonText(v.sql);
  throw bad(`Expected a string, got a ${v.type}`);
}
function asDatetime(v: Typed): Sql {
  if (v.type === 'datetime' || v.type === 'null') return v.sql;
  if (v.type === 'interval') return v.sql;
  if (v.type === 'json')
    return sql`(case when jsonb_typeof(${v.sql}) = 'string' and ${jsonText(v.sql)} ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}' then ${jsonText(v.sql)}::timestamptz end)`;
  throw bad(`Expected a date/time, got a ${v.type}`);
}
function toBoolean(v: Typed): Sql {
  if (v.type === 'boolean') return v.sql;
  if (v.type === 'json')
    return sql`(case when jsonb_typeof(${v.sql}) = 'boolean' then ${jsonText(v.sql)}::boolean end)`;
  throw bad('The filter expression is not a boolean condition');
}

function arithmetic(op: string, a: Typed, b: Typed): Typed {
  if ([a.type, b.type].some((t) => t === 'datetime' || t === 'interval' || t === 'duration'))
    return timeArithmetic(op, a, b);
  const x = asNumber(a);
  const y = asNumber(b);
  switch (op) {
    case 'add':
      return { sql: sql`(${x} + ${y})`, type: 'number' };
    case 'sub':
      return { sql: sql`(${x} - ${y})`, type: 'number' };
    case 'mul':
      return { sql: sql`(${x} * ${y})`, type: 'number' };
    case 'div':
      return { sql: sql`(${x} / nullif(${y}, 0))`, type: 'number' };
    default:
      return { sql: sql`mod((${x})::numeric, nullif((${y})::numeric, 0))::double precision`, type: 'number' };
  }
}

/** Durations shift instants and both ends of intervals; the difference of two instants is a duration. */
function timeArithmetic(op: string, a: Typed, b: Typed): Typed {
  const isTime = (v: Typed) => v.type === 'datetime' || v.type === 'interval';
  if (op === 'add' && a.type === 'duration' && isTime(b)) return timeArithmetic(op, b, a);
  if ((op === 'add' || op === 'sub') && b.type === 'duration') {
    const o = r(op === 'add' ? '+' : '-');
    if (a.type === 'duration') return { sql: sql`(${a.sql} ${o} ${b.sql})`, type: 'duration' };
    if (a.type === 'interval')
      return { sql: sql`(${a.sql} ${o} ${b.sql})`, type: 'interval', end: sql`(${a.end!} ${o} ${b.sql})` };
    return { sql: sql`(${asDatetime(a)} ${o} ${b.sql})`, type: 'datetime' };
  }
  if (op === 'sub' && isTime(a) && isTime(b))
    return { sql: sql`(${instant(a)} - ${instant(b)})`, type: 'duration' };
  throw bad(`Cannot ${op} a ${a.type} and a ${b.type}`);
}

/** The value of an instant; null for an interval (an interval is not one point in time). */
function instant(v: Typed): Sql {
  return v.type === 'interval' ? sql`(case when ${v.end!} is null then ${v.sql} end)` : asDatetime(v);
}

/**
 * A time value as start, end and whether it is an interval. Intervals are half-open [start, end);
 * an instant is start = end. Interval properties hold instants where their end is null
 * (phenomenonTime of an Observation).
 */
interface TimeValue {
  start: Sql;
  end: Sql;
  isInterval: Sql;
}

function timeValue(v: Typed): TimeValue {
  if (v.type === 'interval')
    return {
      start: v.sql,
      end: sql`coalesce(${v.end!}, ${v.sql})`,
      isInterval: sql`(${v.end!} is not null)`,
    };
  const t = v.type === 'date' ? sql`((${v.sql})::timestamp at time zone 'UTC')` : asDatetime(v);
  return { start: t, end: t, isInterval: sql`false` };
}

/**
 * Comparison and the temporal relations of SensorThings 1.1 on instants and intervals: `lt`/`before`
 * when a ends before b starts, `gt`/`after` the other way round, `le`/`ge` by both ends, `eq` when
 * both ends agree, `meets` when one ends where the other starts, `during` within an interval,
 * `overlaps` when they share a point, `starts`/`finishes` when the starts/ends agree.
 */
function temporal(relation: string, av: Typed, bv: Typed): Sql {
  const a = timeValue(av);
  const b = timeValue(bv);
  switch (relation) {
    case 'lt':
    case 'before':
      return sql`(case when ${a.isInterval} then ${a.end} <= ${b.start} else ${a.start} < ${b.start} end)`;
    case 'gt':
    case 'after':
      return sql`(case when ${b.isInterval} then ${b.end} <= ${a.start} else ${b.start} < ${a.start} end)`;
    case 'le':
      return sql`(${a.start} <= ${b.start} and ${a.end} <= ${b.end})`;
    case 'ge':
      return sql`(${a.start} >= ${b.start} and ${a.end} >= ${b.end})`;
    case 'eq':
      return sql`(${a.start} = ${b.start} and ${a.end} = ${b.end})`;
    case 'ne':
      return sql`(not (${a.start} = ${b.start} and ${a.end} = ${b.end}))`;
    case 'meets':
      return sql`(${a.end} = ${b.start} or ${a.start} = ${b.end})`;
    case 'during':
      if (bv.type !== 'interval') throw bad('during() needs a time interval as its second argument');
      return sql`(case when ${a.isInterval} then ${a.start} >= ${b.start} and ${a.end} <= ${b.end}
        else ${a.start} >= ${b.start} and ${a.start} < ${b.end} end)`;
    case 'overlaps':
      return sql`(case when ${a.isInterval} and ${b.isInterval} then ${a.start} < ${b.end} and ${a.end} > ${b.start}
        when ${a.isInterval} then ${a.start} <= ${b.start} and ${b.start} < ${a.end}
        when ${b.isInterval} then ${b.start} <= ${a.start} and ${a.start} < ${b.end}
        else ${a.start} = ${b.start} end)`;
    case 'starts':
      return sql`(${a.start} = ${b.start})`;
    default:
      return sql`(${a.end} = ${b.end})`;
  }
}

const OPS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

function compare(op: string, a: Typed, b: Typed): Sql {
  if (b.type === 'null' || a.type === 'null') {
    const other = a.type === 'null' ? b : a;
    if (op === 'eq') return sql`(${other.sql} is null)`;
    if (op === 'ne') return sql`(${other.sql} is not null)`;
    return sql`(null::boolean)`;
  }
  if (a.type === 'interval' || b.type === 'interval') return temporal(op, a, b);
  const o = r(OPS[op]!);
  if (a.type === 'geometry' || b.type === 'geometry') {
    if (op !== 'eq' && op !== 'ne') throw bad('Geometries can only be compared for equality');
    return sql`(${geom(a)} ${o} ${geom(b)})`;
  }
  if (a.type === 'json' && b.type === 'json') {
    if (op !== 'eq' && op !== 'ne') return sql`(${a.sql} ${o} ${b.sql})`;
    // Two JSON values are equal as numbers, or else by their text: "true" equals true, "5" equals 5, as
    // the literal comparisons above (and FROST-Server's) have it.
    return sql`(case when jsonb_typeof(${a.sql}) = 'number' and jsonb_typeof(${b.sql}) = 'number'
      then ${a.sql} ${o} ${b.sql} else ${jsonText(a.sql)} ${o} ${jsonText(b.sql)} end)`;
  }
  const type = a.type === 'json' ? b.type : a.type;
  const other = a.type === 'json' ? a : b;
  const coerce = (v: Typed): Sql => {
    if (v.type === type) return v.sql;
    switch (type) {
      case 'number':
        return asNumber(v);
      case 'string':
        return asString(v);
      case 'boolean':
        return toBoolean(v);
      case 'datetime':
        return asDatetime(v);
      case 'date':
        if (v.type === 'datetime') return sql`(${v.sql} at time zone 'UTC')::date`;
        if (v.type === 'json') return sql`(${asDatetime(v)} at time zone 'UTC')::date`;
        break;
    }
    throw bad(`Cannot compare a ${a.type} with a ${b.type}`);
  };
  if (type === 'datetime' && other.type === 'date')
    return sql`((${a.type === 'date' ? a.sql : sql`(${a.sql} at time zone 'UTC')::date`}) ${o} (${b.type === 'date' ? b.sql : sql`(${b.sql} at time zone 'UTC')::date`}))`;
  return sql`(${coerce(a)} ${o} ${coerce(b)})`;
}

/** `value in path`: the JSON array at `array` holds `value` (numbers compared as numbers). */
function inJsonArray(value: Typed, array: Typed): Sql {
  if (array.type !== 'json') throw bad("'in' needs a list in parentheses or a JSON array property");
  const element =
    value.type === 'json'
      ? value.sql
      : ['number', 'string', 'boolean'].includes(value.type)
        ? sql`to_jsonb(${value.sql})`
        : null;
  if (!element) throw bad(`Cannot look for a ${value.type} in a JSON array`);
  return sql`(jsonb_typeof(${array.sql}) = 'array' and ${array.sql} @> jsonb_build_array(${element}))`;
}

// ---- geometry (GeoJSON in jsonb, planar coordinates) ----

function geom(v: Typed): Sql {
  if (v.type !== 'geometry') throw bad(`Expected a geometry, got a ${v.type}`);
  return v.sql;
}

/** The vertices of a stored geometry as a jsonb array of positions. */
function vertices(g: Sql): Sql {
  return sql`(case ${g}->>'type' when 'Point' then jsonb_build_array(${g}->'coordinates') when 'LineString' then ${g}->'coordinates'
    when 'Polygon' then ${g}->'coordinates'->0 when 'MultiPoint' then ${g}->'coordinates' else '[]'::jsonb end)`;
}

function literalVertices(g: Geometry): number[][] {
  return g.type === 'Point' ? [g.coordinates] : g.type === 'LineString' ? g.coordinates : g.coordinates[0]!;
}

/** Point (SQL) in a literal polygon: even-odd rule over the edges of all rings. */
function pointInLiteralPolygon(px: Sql, py: Sql, polygon: Extract<Geometry, { type: 'Polygon' }>): Sql {
  const terms: Sql[] = [];
  for (const ring of polygon.coordinates) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i] as [number, number];
      const [x2, y2] = ring[i + 1] as [number, number];
      if (y1 === y2) continue;
      terms.push(
        sql`(case when ((${f8(y1)} > ${py}) <> (${f8(y2)} > ${py})) and ${px} < ${f8((x2 - x1) / (y2 - y1))} * (${py} - ${f8(y1)}) + ${f8(x1)} then 1 else 0 end)`,
      );
    }
  }
  if (terms.length === 0) return sql`false`;
  return sql`(mod(${sql.join(terms, sql` + `)}, 2) = 1)`;
}

/** A literal point in a stored polygon. */
function literalPointInStoredPolygon(x: number, y: number, g: Sql): Sql {
  const px = f8(x);
  const py = f8(y);
  return sql`(${g}->>'type' = 'Polygon' and (select coalesce(sum(case when (s.y1 > ${py}) <> (s.y2 > ${py})
      and ${px} < (s.x2 - s.x1) * (${py} - s.y1) / nullif(s.y2 - s.y1, 0) + s.x1 then 1 else 0 end), 0) % 2 = 1
    from (select (pt.e->>0)::double precision as x1, (pt.e->>1)::double precision as y1,
        lead((pt.e->>0)::double precision) over (partition by rg.ri order by pt.i) as x2,
        lead((pt.e->>1)::double precision) over (partition by rg.ri order by pt.i) as y2
      from jsonb_array_elements(case when jsonb_typeof(${g}->'coordinates'->0->0) = 'array' then ${g}->'coordinates' else '[]'::jsonb end)
        with ordinality as rg(ring, ri)
      cross join lateral jsonb_array_elements(rg.ring) with ordinality as pt(e, i)) s
    where s.x2 is not null))`;
}

function split(a: Typed, b: Typed): { stored: Sql; lit: Geometry; swapped: boolean } {
  geom(a);
  geom(b);
  if (b.lit) return { stored: a.sql, lit: b.lit, swapped: false };
  if (a.lit) return { stored: b.sql, lit: a.lit, swapped: true };
  throw bad("Spatial functions need one geometry literal (geography'...')");
}

/** Every vertex of geometry `inner` lies in `outer` (exact for points, by vertices otherwise). */
function within(inner: Typed, outer: Typed): Sql {
  const { stored, lit, swapped } = split(inner, outer);
  if (!swapped) {
    if (lit.type !== 'Polygon') return sql`(${stored} = ${sql`${JSON.stringify(lit)}::jsonb`})`;
    return sql`(jsonb_array_length(${vertices(stored)}) > 0 and not exists (select 1 from jsonb_array_elements(${vertices(stored)}) v
      where not ${pointInLiteralPolygon(sql`(v->>0)::double precision`, sql`(v->>1)::double precision`, lit)}))`;
  }
  const parts = literalVertices(lit).map(([x, y]) => literalPointInStoredPolygon(x!, y!, stored));
  return sql`(${sql.join(parts, sql` and `)})`;
}

/** Whether two geometries share a point (exact for point/polygon, by vertices for polygon/polygon). */
function intersects(a: Typed, b: Typed): Sql {
  const { stored, lit } = split(a, b);
  const fromLiteral = literalVertices(lit).map(
    ([x, y]) =>
      sql`(${literalPointInStoredPolygon(x!, y!, stored)} or (${stored}->>'type' = 'Point' and ${stored}->'coordinates' = ${JSON.stringify([x, y])}::jsonb))`,
  );
  const storedInLiteral =
    lit.type === 'Polygon'
      ? sql`exists (select 1 from jsonb_array_elements(${vertices(stored)}) v
          where ${pointInLiteralPolygon(sql`(v->>0)::double precision`, sql`(v->>1)::double precision`, lit)})`
      : sql`false`;
  return sql`(${sql.join(fromLiteral, sql` or `)} or ${storedInLiteral})`;
}

/** Planar distance from a literal point to a stored geometry (exact for points, to the bbox otherwise). */
function distance(a: Typed, b: Typed): Sql {
  const { stored, lit } = split(a, b);
  if (lit.type !== 'Point') throw bad('geo.distance() needs a POINT literal');
  const [x, y] = lit.coordinates as [number, number];
  return sql`(select sqrt(power(greatest(min((v->>0)::double precision) - ${f8(x)}, 0, ${f8(x)} - max((v->>0)::double precision)), 2)
      + power(greatest(min((v->>1)::double precision) - ${f8(y)}, 0, ${f8(y)} - max((v->>1)::double precision)), 2))
    from jsonb_array_elements(${vertices(stored)}) v)`;
}

function lengthOf(v: Typed): Sql {
  const g = geom(v);
  if (v.lit) {
    let total = 0;
    if (v.lit.type === 'LineString')
      for (let i = 1; i < v.lit.coordinates.length; i++) {
        const [x1, y1] = v.lit.coordinates[i - 1] as [number, number];
        const [x2, y2] = v.lit.coordinates[i] as [number, number];
        total += Math.hypot(x2 - x1, y2 - y1);
      }
    return f8(total);
  }
  return sql`(select coalesce(sum(sqrt(power(s.x2 - s.x1, 2) + power(s.y2 - s.y1, 2))), 0)
    from (select (pt.e->>0)::double precision as x1, (pt.e->>1)::double precision as y1,
      lead((pt.e->>0)::double precision) over (order by pt.i) as x2, lead((pt.e->>1)::double precision) over (order by pt.i) as y2
      from jsonb_array_elements(case when ${g}->>'type' = 'LineString' then ${g}->'coordinates' else '[]'::jsonb end) with ordinality as pt(e, i)) s)`;
}
