// Reads SensorThings collections and entities with the query options, in the standard's order: filter,
// count, orderby, skip, top, then select/expand per entity; and shapes them as STA JSON (selfLinks,
// navigationLinks, expanded navigations, nextLinks).
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import { Errors } from '../../core/errors.js';
import { EntityRepository, type Row } from '../entities/entity.repository.js';
import {
  MODEL,
  navOf,
  propertyOf,
  type EntityDef,
  type NavDef,
  type PropertyDef,
  type Sql,
} from '../entities/model.js';
import { isoInstant } from '../entities/iso-time.js';
import { visibleCondition, type Viewer } from '../entities/visibility.js';
import { FilterTranslator } from './filter-sql.js';
import type { QueryOptions } from './query.js';

export interface ReadSettings {
  defaultTop: number;
  maxTop: number;
  /** The database has PostGIS: spatial $filter functions use it (see filter-postgis.ts). */
  postgis?: boolean;
}

export type Json = Record<string, unknown>;

const iso = (d: unknown) =>
  d instanceof Date
    ? isoInstant(d)
    : d === null || d === undefined
      ? null
      : isoInstant(new Date(d as string));

export function propertyValue(p: PropertyDef, row: Row): unknown {
  const v = row[p.column];
  switch (p.kind) {
    case 'time':
      return iso(v);
    case 'interval': {
      if (v === null || v === undefined) return null;
      return `${iso(v)}/${iso(row[p.endColumn!] ?? v)}`;
    }
    case 'timeOrInterval': {
      const end = row[p.endColumn!];
      return end === null || end === undefined ? iso(v) : `${iso(v)}/${iso(end)}`;
    }
    case 'result':
      return row.result_number ?? v ?? null;
    default:
      return v ?? null;
  }
}

/**
 * An entity as GET shows it without $expand: selfLink, id, properties and navigationLinks, restricted to
 * `select` when given. Synchronous, so collections and MQTT notifications render rows without promises.
 */
export function entityJson(def: EntityDef, row: Row, self: string, select?: string[]): Json {
  const out: Json = {};
  if (!select) {
    out['@iot.selfLink'] = self;
    out['@iot.id'] = row.id;
    for (const p of def.properties) out[p.name] = propertyValue(p, row);
    for (const nav of def.navs) out[`${nav.name}@iot.navigationLink`] = `${self}/${nav.name}`;
    return out;
  }
  if (select.includes('@iot.selfLink')) out['@iot.selfLink'] = self;
  if (select.includes('id')) out['@iot.id'] = row.id;
  for (const p of def.properties) if (select.includes(p.name)) out[p.name] = propertyValue(p, row);
  for (const nav of def.navs)
    if (select.includes(nav.name)) out[`${nav.name}@iot.navigationLink`] = `${self}/${nav.name}`;
  return out;
}

/**
 * `JSON.stringify(entityJson(def, row, self))`, written directly: no object in between, for the MQTT
 * notifications of every new Observation. The property values go through the same propertyValue.
 */
export function entityJsonText(def: EntityDef, row: Row, self: string): string {
  const keys = jsonKeysOf(def);
  const link = JSON.stringify(self);
  let out = `{"@iot.selfLink":${link},"@iot.id":${JSON.stringify(row.id)}`;
  const properties = def.properties;
  for (let i = 0; i < properties.length; i++)
    out += `${keys.properties[i]}${JSON.stringify(propertyValue(properties[i]!, row))}`;
  // Navigation names are plain letters: appended inside the selfLink's JSON string they need no escaping.
  const linkOpen = link.slice(0, -1);
  for (const nav of keys.navs) out += `${nav.key}${linkOpen}${nav.path}"`;
  return `${out}}`;
}

/** `build` runs once per entity type (the model never changes), not once per entity. */
function perEntityType<T>(build: (def: EntityDef) => T): (def: EntityDef) => T {
  const built = new WeakMap<EntityDef, T>();
  return (def) => {
    let value = built.get(def);
    if (value === undefined) {
      value = build(def);
      built.set(def, value);
    }
    return value;
  };
}

/** The JSON fragments of an entity type's keys. */
const jsonKeysOf = perEntityType((def) => ({
  properties: def.properties.map((p) => `,${JSON.stringify(p.name)}:`),
  navs: def.navs.map((nav) => ({ key: `,"${nav.name}@iot.navigationLink":`, path: `/${nav.name}` })),
}));

/** The condition that row t0 is related to entity `parentId` of `parent` through `nav`. */
export function parentCondition(parent: EntityDef, parentId: number, nav: NavDef): Sql {
  return sql`exists (select 1 from ${sql.raw(parent.table)} p0 where p0.id = ${parentId} and ${nav.link('p0', 't0')})`;
}

/** How a collection below a parent is read besides its conditions: a join and its order (see NavDef.ordered). */
export interface Scope {
  join: Sql;
  order: Sql;
}

/** The Scope of `nav` below entity `parentId`, for ordered navigations; undefined otherwise. */
export function parentScope(parentId: number, nav: NavDef): Scope | undefined {
  const o = nav.ordered;
  if (!o) return undefined;
  return {
    join: sql`join ${sql.raw(o.table)} j0 on j0.${sql.raw(o.child)} = t0.id and j0.${sql.raw(o.parent)} = ${parentId}`,
    order: sql.raw(`j0.${o.position} asc`),
  };
}

/**
 * What an expanded entity shows without its own $select: selfLink, id and properties, but no navigationLinks;
 * those belong to the top level only (as the OGC suite and FROST-Server check it).
 */
const nestedSelect = perEntityType((def) => ['@iot.selfLink', 'id', ...def.properties.map((p) => p.name)]);

export class Reader {
  constructor(
    private readonly db: Database,
    private readonly viewer: Viewer,
    private readonly base: string,
    private readonly settings: ReadSettings,
  ) {}

  selfLink(def: EntityDef, id: number): string {
    return `${this.base}/${def.set}(${id})`;
  }

  private conditions(def: EntityDef, conds: Sql[], options: QueryOptions): Sql[] {
    const all = [visibleCondition(def.set, 't0', this.viewer), ...conds];
    if (options.filter)
      all.push(
        new FilterTranslator(this.viewer, 'n', this.settings.postgis).where(options.filter, def, 't0'),
      );
    return all;
  }

  /** One page of rows plus whether more follow, and the count when asked. */
  async rows(def: EntityDef, conds: Sql[], options: QueryOptions, scope?: Scope) {
    const repo = new EntityRepository(this.db);
    const where = this.conditions(def, conds, options);
    const order: Sql[] = options.orderby
      ? new FilterTranslator(this.viewer, 'o').orderBy(options.orderby, def, 't0')
      : [];
    if (scope) order.push(scope.order);
    const top = Math.min(options.top ?? this.settings.defaultTop, this.settings.maxTop);
    const skip = options.skip ?? 0;
    const rows = await repo.list(def, where, order, top + 1, skip, scope?.join);
    const count = options.count ? await repo.count(def, where, scope?.join) : undefined;
    return { rows: rows.slice(0, top), more: rows.length > top, count, top, skip };
  }

  async one(def: EntityDef, conds: Sql[]): Promise<Row | undefined> {
    const rows = await new EntityRepository(this.db).list(def, this.conditions(def, conds, {}), [], 1, 0);
    return rows[0];
  }

  async entityById(def: EntityDef, id: number): Promise<Row | undefined> {
    return this.one(def, [sql`t0.id = ${id}`]);
  }

  checkSelect(def: EntityDef, options: QueryOptions): void {
    for (const s of options.select ?? [])
      if (s !== 'id' && s !== '@iot.selfLink' && !propertyOf(def, s) && !navOf(def, s))
        throw Errors.badRequest(`Unknown property '${s}' of ${def.type} in $select`);
    for (const e of options.expand ?? []) {
      const nav = navOf(def, e.nav);
      if (!nav) throw Errors.badRequest(`Unknown navigation property '${e.nav}' of ${def.type} in $expand`);
      this.checkSelect(MODEL[nav.target], e.options);
    }
  }

  /** Rows as STA JSON; without $expand no database work is left, so no promise per row either. */
  async serializeAll(def: EntityDef, rows: Row[], options: QueryOptions): Promise<Json[]> {
    if (!options.expand?.length)
      return rows.map((row) => entityJson(def, row, this.selfLink(def, row.id), options.select));
    return Promise.all(rows.map((row) => this.serialize(def, row, options)));
  }

  async serialize(def: EntityDef, row: Row, options: QueryOptions): Promise<Json> {
    if (!options.expand?.length) return entityJson(def, row, this.selfLink(def, row.id), options.select);
    const select = options.select;
    const want = (k: string) => !select || select.includes(k);
    const out: Json = {};
    const self = this.selfLink(def, row.id);
    if (!select || select.includes('@iot.selfLink')) out['@iot.selfLink'] = self;
    if (want('id')) out['@iot.id'] = row.id;
    for (const p of def.properties) if (want(p.name)) out[p.name] = propertyValue(p, row);
    const expanded = new Map((options.expand ?? []).map((e) => [e.nav, e.options]));
    for (const nav of def.navs) {
      // A selected navigation property keeps its link when it is expanded too (both the OGC suite and
      // FROST-Server's show `Datastreams@iot.navigationLink` next to `Datastreams`).
      if (want(nav.name)) out[`${nav.name}@iot.navigationLink`] = `${self}/${nav.name}`;
      const expandedOptions = expanded.get(nav.name);
      if (expandedOptions) {
        const target = MODEL[nav.target];
        const sub = expandedOptions.select
          ? expandedOptions
          : { ...expandedOptions, select: nestedSelect(target) };
        const cond = parentCondition(def, row.id, nav);
        if (nav.many) {
          const page = await this.rows(target, [cond], sub, parentScope(row.id, nav));
          if (page.count !== undefined) out[`${nav.name}@iot.count`] = page.count;
          out[nav.name] = await this.serializeAll(target, page.rows, sub);
          if (page.more && page.top > 0)
            out[`${nav.name}@iot.nextLink`] =
              `${self}/${nav.name}?${sub.nextLinkQuery ? `${sub.nextLinkQuery}&` : ''}$top=${page.top}&$skip=${page.skip + page.top}`;
        } else {
          const child = await this.one(target, [cond]);
          out[nav.name] = child ? await this.serialize(target, child, sub) : null;
        }
      }
    }
    return out;
  }
}
