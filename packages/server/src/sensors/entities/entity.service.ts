// Writes of the SensorThings entity sets: create with deep insert and linking by id, update (merge or
// replace), delete with the standard's cascades, HistoricalLocations when a Thing's Locations change.
// Everything of one request runs in one transaction (an invalid deep insert leaves nothing behind);
// Observations go through the ObservationService, whose 'stored' event is emitted after our commit.
import { EventEmitter } from 'node:events';
import { AppError, Errors } from '../../core/errors.js';
import type { Database } from '../../core/db/database.js';
import type { ObservationService } from '../observations/observation.service.js';
import type { ObservationInput, StoredObservation } from '../observations/observation.types.js';
import { EntityRepository } from './entity.repository.js';
import { parseIsoInterval } from './iso-time.js';
import {
  GEOJSON_ENCODING,
  MODEL,
  navOf,
  propertyOf,
  type EntityDef,
  type EntitySetName,
  type NavDef,
  type PropertyDef,
} from './model.js';

export interface EntityChange {
  set: EntitySetName;
  id: number;
  municipalityId: string;
  kind: 'created' | 'updated';
}

export interface EntityEvents {
  /** After commit, for every entity created or updated (Observations via the ObservationService). */
  changed: [changes: EntityChange[]];
}

/** What one write transaction collects for after its commit. */
export interface WriteContext {
  municipalityId: string;
  changes: EntityChange[];
  observations: StoredObservation[];
}

const bad = (message: string) => Errors.badRequest(message);
const IGNORED_KEYS = /^(@iot\.selfLink|[A-Za-z]+@iot\.navigationLink|@iot\.count|@iot\.nextLink)$/;

type Body = Record<string, unknown>;

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ "@iot.id": 5 }` alone links an existing entity. */
export function linkedId(value: unknown): number | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value).filter((k) => !IGNORED_KEYS.test(k));
  if (keys.length !== 1 || keys[0] !== '@iot.id') return undefined;
  return parseId(value['@iot.id']);
}

export function parseId(value: unknown): number {
  const id = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    throw bad(`Invalid @iot.id ${JSON.stringify(value)}`);
  return id;
}

export function parseInstant(value: unknown, what: string): Date {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)
  )
    throw bad(`${what} must be an ISO 8601 date/time with time zone`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw bad(`${what} is not a valid date/time`);
  return date;
}

export function parseTimeOrInterval(value: unknown, what: string): { start: Date; end: Date | null } {
  if (typeof value === 'string' && value.includes('/')) {
    const interval = parseIsoInterval(
      value,
      (part) => parseInstant(part, what),
      () => bad(`${what} is not a valid interval`),
    );
    if (!interval) throw bad(`${what} is not a valid interval`);
    if (interval.end < interval.start) throw bad(`${what} ends before it starts`);
    return interval;
  }
  return { start: parseInstant(value, what), end: null };
}

const GEOMETRY_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
]);

function positions(value: unknown, out: number[][]): void {
  if (!Array.isArray(value)) throw bad('GeoJSON coordinates must be arrays');
  if (value.length > 0 && typeof value[0] === 'number') {
    if (
      value.length < 2 ||
      value.length > 3 ||
      !value.every((n) => typeof n === 'number' && Number.isFinite(n))
    )
      throw bad('A GeoJSON position has two or three numbers');
    out.push(value as number[]);
    return;
  }
  for (const item of value) positions(item, out);
}

/** Checks GeoJSON (a geometry or a Feature) and returns its bounding box. */
export function geometryBBox(value: unknown, what: string): [number, number, number, number] | null {
  if (!isObject(value)) throw bad(`${what} must be a GeoJSON object`);
  const g = value.type === 'Feature' ? value.geometry : value;
  if (!isObject(g) || typeof g.type !== 'string') throw bad(`${what} must be a GeoJSON geometry or Feature`);
  const all: number[][] = [];
  if (g.type === 'GeometryCollection') {
    if (!Array.isArray(g.geometries)) throw bad(`${what}: a GeometryCollection has geometries`);
    for (const part of g.geometries) {
      const box = geometryBBox(part, what);
      if (box) all.push([box[0], box[1]], [box[2], box[3]]);
    }
  } else {
    if (!GEOMETRY_TYPES.has(g.type)) throw bad(`${what}: unknown GeoJSON type '${g.type}'`);
    positions(g.coordinates, all);
    if (g.type === 'Point' && all.length !== 1) throw bad(`${what}: a Point has one position`);
  }
  if (all.length === 0) return null;
  return [
    Math.min(...all.map((p) => p[0]!)),
    Math.min(...all.map((p) => p[1]!)),
    Math.max(...all.map((p) => p[0]!)),
    Math.max(...all.map((p) => p[1]!)),
  ];
}

const ENCODING_TYPES_WITH_GEOJSON = new RegExp(GEOJSON_ENCODING, 'i');

/**
 * Converts one STA property value to its columns. `geoJson`: a geometry property must be GeoJSON (false
 * for a Location whose encodingType says otherwise: its location is any JSON, e.g. an address as text).
 */
function propertyColumns(def: EntityDef, p: PropertyDef, value: unknown, out: Body, geoJson = true): void {
  const what = `${def.type}.${p.name}`;
  if (value === null && p.required && !p.nullable) throw bad(`${what} must not be null`);
  switch (p.kind) {
    case 'text':
      if (typeof value !== 'string') throw bad(`${what} must be a string`);
      out[p.column] = value;
      return;
    case 'object':
      if (value !== null && !isObject(value)) throw bad(`${what} must be a JSON object`);
      out[p.column] = value === null ? null : JSON.stringify(value);
      return;
    case 'json':
      if (p.name === 'unitOfMeasurements' && !Array.isArray(value)) throw bad(`${what} must be an array`);
      out[p.column] = value === null ? null : JSON.stringify(value);
      return;
    case 'geometry': {
      const box = geoJson ? geometryBBox(value, what) : null;
      out[p.column] = JSON.stringify(value);
      if (p.bbox)
        Object.assign(out, {
          min_x: box?.[0] ?? null,
          min_y: box?.[1] ?? null,
          max_x: box?.[2] ?? null,
          max_y: box?.[3] ?? null,
        });
      return;
    }
    case 'time':
      out[p.column] = value === null ? null : parseInstant(value, what);
      return;
    case 'interval': {
      if (value === null) {
        out[p.column] = null;
        out[p.endColumn!] = null;
        return;
      }
      const t = parseTimeOrInterval(value, what);
      out[p.column] = t.start;
      out[p.endColumn!] = t.end ?? t.start;
      return;
    }
    case 'timeOrInterval': {
      const t = parseTimeOrInterval(value, what);
      out[p.column] = t.start;
      out[p.endColumn!] = t.end;
      return;
    }
    case 'result': {
      if (value === undefined) throw bad(`${what} is required`);
      const numeric = typeof value === 'number' && Number.isFinite(value);
      out.result_number = numeric ? value : null;
      out.result = numeric ? null : JSON.stringify(value);
      return;
    }
    case 'textArray':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        throw bad(`${what} must be an array of strings`);
      out[p.column] = value;
      return;
  }
}

interface Parsed {
  columns: Body;
  navs: Map<NavDef, unknown>;
  given: Set<string>;
}

function parseBody(def: EntityDef, body: unknown, mode: 'create' | 'patch' | 'put'): Parsed {
  if (!isObject(body)) throw bad(`A ${def.type} must be a JSON object`);
  const columns: Body = {};
  const navs = new Map<NavDef, unknown>();
  const given = new Set<string>();
  const encoding = body.encodingType;
  const geoJson =
    def.set !== 'Locations' || typeof encoding !== 'string' || ENCODING_TYPES_WITH_GEOJSON.test(encoding);
  for (const [key, value] of Object.entries(body)) {
    if (IGNORED_KEYS.test(key) || key === '@iot.id' || key === 'id') continue;
    const property = propertyOf(def, key);
    if (property) {
      given.add(key);
      if (property.readOnly) continue;
      propertyColumns(def, property, value, columns, geoJson);
      continue;
    }
    const nav = navOf(def, key);
    if (nav) {
      navs.set(nav, value);
      continue;
    }
    throw bad(`Unknown property '${key}' of ${def.type}`);
  }
  if (mode !== 'patch') {
    for (const p of def.properties) {
      if (given.has(p.name) || p.readOnly) continue;
      if (p.required) throw bad(`${def.type}.${p.name} is required`);
      if (mode === 'put') propertyColumns(def, p, null, columns);
    }
  }
  // A FeatureOfInterest's feature is GeoJSON (spatial filters and the automatic FeaturesOfInterest rely on
  // it); a Location may describe a place otherwise (text/plain: an address), see geoJson above.
  if (
    def.set === 'FeaturesOfInterest' &&
    typeof encoding === 'string' &&
    !ENCODING_TYPES_WITH_GEOJSON.test(encoding)
  )
    throw bad(`Unsupported encodingType '${encoding}' (application/geo+json or application/vnd.geo+json)`);
  return { columns, navs, given };
}

export class EntityService {
  readonly events = new EventEmitter<EntityEvents>();

  constructor(
    private readonly db: Database,
    private readonly observations: ObservationService,
  ) {
    this.events.setMaxListeners(50);
  }

  /** Runs `work` in a transaction (or in `executor`), then announces changes after the commit. */
  async write<T>(
    municipalityId: string,
    work: (trx: Database, w: WriteContext) => Promise<T>,
    executor?: Database,
    deferred?: WriteContext[],
  ): Promise<T> {
    const w: WriteContext = { municipalityId, changes: [], observations: [] };
    const result = executor
      ? await work(executor, w)
      : await this.db.transaction().execute((trx) => work(trx, w));
    if (deferred) deferred.push(w);
    else this.announce(w);
    return result;
  }

  announce(w: WriteContext): void {
    if (w.observations.length > 0) this.observations.events.emit('stored', w.observations);
    if (w.changes.length > 0) this.events.emit('changed', w.changes);
  }

  /** Creates an entity (with deep inserts); `parent` when posted to a navigation collection. */
  async create(
    trx: Database,
    w: WriteContext,
    set: EntitySetName,
    body: unknown,
    parent?: { set: EntitySetName; id: number },
  ): Promise<number> {
    const def = MODEL[set];
    const repo = new EntityRepository(trx);
    const m = w.municipalityId;
    const { columns, navs } = parseBody(def, body, 'create');

    // To-one links (foreign keys): from the parent, a link by id or a nested entity.
    const parentNav = parent ? def.navs.find((n) => n.target === parent.set) : undefined;
    if (parent && !parentNav) throw bad(`A ${def.type} cannot be created below ${MODEL[parent.set].type}`);
    if (parent && parentNav?.fk) {
      // The body may repeat the URL's parent (clients publish one Observation to every MQTT topic);
      // another one contradicts it.
      if (navs.has(parentNav)) {
        if (linkedId(navs.get(parentNav)) !== parent.id)
          throw bad(`${parentNav.name} is given by the URL already`);
        navs.delete(parentNav);
      }
      columns[parentNav.fk] = parent.id;
    }
    for (const [nav, value] of navs) {
      if (nav.many || !nav.fk) continue;
      columns[nav.fk] = await this.resolve(trx, w, nav, value);
    }
    if (set === 'Observations') return this.createObservation(trx, w, columns);
    for (const nav of def.navs)
      if (nav.required && nav.fk && columns[nav.fk] === undefined)
        throw bad(`${def.type}.${nav.name} is required`);

    if (set === 'MultiDatastreams')
      this.checkMultiDatastream(columns, navs.get(navOf(def, 'ObservedProperties')!));
    const id = await repo.insert(def.table, { ...columns, municipality_id: m });
    w.changes.push({ set, id, municipalityId: m, kind: 'created' });

    // Many-to-many links to the parent.
    if (parent && parentNav && !parentNav.fk) await this.linkMany(trx, w, def, id, parentNav, [parent.id]);

    // To-many navigations: nested creates and links.
    for (const [nav, value] of navs) {
      if (!nav.many) continue;
      if (!Array.isArray(value)) throw bad(`${def.type}.${nav.name} must be an array`);
      const target = MODEL[nav.target];
      const inverse = target.navs.find((n) => n.target === set && n.fk);
      if (inverse) {
        for (const item of value) {
          const link = linkedId(item);
          if (link !== undefined) {
            if (set === 'FeaturesOfInterest' || !(await repo.exists(target.table, link, m)))
              throw bad(`Linked ${target.type} ${link} not found`);
            await repo.setForeignKey(target.table, link, m, inverse.fk!, id);
          } else {
            await this.create(trx, w, nav.target, item, { set, id });
          }
        }
      } else {
        const ids: number[] = [];
        for (const item of value) ids.push(await this.resolve(trx, w, nav, item));
        await this.linkMany(trx, w, def, id, nav, ids);
      }
    }
    if (set === 'HistoricalLocations') await this.followHistoricalLocation(trx, id, m);
    return id;
  }

  /**
   * A new HistoricalLocation later than all others of its Thing says where the Thing is now: its Locations
   * become the Thing's (as FROST-Server does); an earlier one only fills in the history.
   */
  private async followHistoricalLocation(trx: Database, id: number, municipalityId: string): Promise<void> {
    const repo = new EntityRepository(trx);
    const latest = await repo.latestHistoricalLocation(id, municipalityId);
    if (!latest || latest.locationIds.length === 0) return;
    await repo.unlinkThingLocations(latest.thingId);
    for (const l of latest.locationIds) await repo.linkThingLocation(latest.thingId, l);
  }

  private checkMultiDatastream(columns: Body, observedProperties: unknown): void {
    const types = columns.multi_observation_data_types as string[];
    const units = JSON.parse(columns.unit_of_measurements as string) as unknown[];
    if (!Array.isArray(observedProperties)) throw bad('MultiDatastream.ObservedProperties is required');
    if (types.length !== units.length || types.length !== observedProperties.length)
      throw bad(
        'multiObservationDataTypes, unitOfMeasurements and ObservedProperties must have the same length',
      );
  }

  /** A link by id (checked within the municipality) or a nested entity to create. */
  private async resolve(trx: Database, w: WriteContext, nav: NavDef, value: unknown): Promise<number> {
    const target = MODEL[nav.target];
    const link = linkedId(value);
    if (link !== undefined) {
      if (!(await new EntityRepository(trx).exists(target.table, link, w.municipalityId)))
        throw bad(`Linked ${target.type} ${link} not found`);
      return link;
    }
    if (!isObject(value)) throw bad(`${nav.name} must be an object`);
    return this.create(trx, w, nav.target, value);
  }

  /** The entities an update links to: only existing ones by id; related entities inline are for POST. */
  private async existingLinks(trx: Database, w: WriteContext, def: EntityDef, nav: NavDef, value: unknown[]) {
    const ids: number[] = [];
    for (const item of value) {
      if (linkedId(item) === undefined)
        throw bad(
          `${def.type}.${nav.name} can only be changed by linking existing entities ({"@iot.id": …})`,
        );
      ids.push(await this.resolve(trx, w, nav, item));
    }
    return ids;
  }

  private async linkMany(
    trx: Database,
    w: WriteContext,
    def: EntityDef,
    id: number,
    nav: NavDef,
    ids: number[],
  ) {
    const repo = new EntityRepository(trx);
    const pair = `${def.set}.${nav.name}`;
    switch (pair) {
      case 'Things.Locations':
        for (const l of ids) await repo.linkThingLocation(id, l);
        if (ids.length > 0) await this.historicalLocation(trx, w, id);
        return;
      case 'Locations.Things':
        for (const t of ids) {
          await repo.linkThingLocation(t, id);
          await this.historicalLocation(trx, w, t);
        }
        return;
      case 'HistoricalLocations.Locations':
        for (const l of ids) await repo.linkHistoricalLocation(id, l);
        return;
      case 'Locations.HistoricalLocations':
        for (const h of ids) await repo.linkHistoricalLocation(h, id);
        return;
      case 'MultiDatastreams.ObservedProperties':
        for (const [i, op] of ids.entries()) await repo.linkMultiDatastreamObservedProperty(id, op, i);
        return;
      default:
        throw bad(`${pair} cannot be set here`);
    }
  }

  /** Records the Thing's current Locations as a HistoricalLocation (now). */
  private async historicalLocation(trx: Database, w: WriteContext, thingId: number): Promise<void> {
    const repo = new EntityRepository(trx);
    const id = await repo.insert('sensor_historical_locations', {
      municipality_id: w.municipalityId,
      thing_id: thingId,
      time: new Date(),
    });
    for (const l of await repo.locationsOfThing(thingId)) await repo.linkHistoricalLocation(id, l);
    w.changes.push({ set: 'HistoricalLocations', id, municipalityId: w.municipalityId, kind: 'created' });
  }

  /**
   * The ObservationInput of a new Observation whose body only links other entities by id (posted below
   * `parent` or not), without touching the database; null when it nests entities or is not a valid
   * Observation (the caller then takes the full `create` path, which reports the exact error). Whether
   * the linked entities exist and may be written is for the caller and ObservationService.create.
   */
  observationInputOf(body: unknown, parent?: { set: EntitySetName; id: number }): ObservationInput | null {
    try {
      const common = parent?.set === 'Datastreams' ? commonObservationInput(body, parent.id) : undefined;
      if (common !== undefined) return common;
      const def = MODEL.Observations;
      const { columns, navs } = parseBody(def, body, 'create');
      if (parent) {
        const parentNav = def.navs.find((n) => n.target === parent.set);
        if (!parentNav?.fk) return null;
        if (navs.has(parentNav)) {
          if (linkedId(navs.get(parentNav)) !== parent.id) return null;
          navs.delete(parentNav);
        }
        columns[parentNav.fk] = parent.id;
      }
      for (const [nav, value] of navs) {
        const link = linkedId(value);
        if (nav.many || !nav.fk || link === undefined) return null;
        columns[nav.fk] = link;
      }
      return observationInput(columns);
    } catch {
      return null;
    }
  }

  private async createObservation(trx: Database, w: WriteContext, columns: Body): Promise<number> {
    const input = observationInput(columns);
    try {
      const [stored] = await this.observations.create(w.municipalityId, [input], trx);
      w.observations.push(stored!);
      return stored!.id;
    } catch (error) {
      if (error instanceof AppError && error.status === 404)
        throw bad(error.message.replace('not found', 'to link not found'));
      throw error;
    }
  }

  /** PATCH (merge) or PUT (replace) of an entity the caller has found writable. */
  async update(
    trx: Database,
    w: WriteContext,
    set: EntitySetName,
    id: number,
    body: unknown,
    mode: 'patch' | 'put',
  ) {
    const def = MODEL[set];
    const repo = new EntityRepository(trx);
    const { columns, navs } = parseBody(def, body, mode);
    if (set === 'Observations' && 'phenomenon_time_start' in columns && !('phenomenon_time_end' in columns))
      columns.phenomenon_time_end = null;
    for (const [nav, value] of navs) {
      if (nav.fk) {
        const link = linkedId(value);
        if (link === undefined)
          throw bad(`${nav.name} can only be changed by linking an existing entity ({"@iot.id": …})`);
        if (!(await repo.exists(MODEL[nav.target].table, link, w.municipalityId)))
          throw bad(`Linked ${MODEL[nav.target].type} ${link} not found`);
        columns[nav.fk] = link;
      } else if (`${set}.${nav.name}` === 'Things.Locations') {
        if (!Array.isArray(value)) throw bad('Thing.Locations must be an array');
        const ids = await this.existingLinks(trx, w, def, nav, value);
        await repo.unlinkThingLocations(id);
        await this.linkMany(trx, w, def, id, nav, ids);
      } else if (nav.many && Array.isArray(value)) {
        await this.linkMany(trx, w, def, id, nav, await this.existingLinks(trx, w, def, nav, value));
      } else {
        throw bad(`${def.type}.${nav.name} cannot be changed here`);
      }
    }
    if (set === 'Things') columns.updated_at = new Date();
    const write = () => repo.update(def.table, id, w.municipalityId, columns);
    if (set === 'Observations') await this.observations.change(trx, w.municipalityId, { ids: [id] }, write);
    else if (set === 'FeaturesOfInterest' && 'feature' in columns)
      await this.observations.featureMoved(trx, w.municipalityId, id, write);
    else await write();
    w.changes.push({ set, id, municipalityId: w.municipalityId, kind: 'updated' });
  }

  /**
   * Adds an existing entity to a navigation collection of another (POST …/$ref). Both are updated as far
   * as MQTT is concerned: each is now a member of a navigation collection of the other.
   */
  async addRef(
    trx: Database,
    w: WriteContext,
    set: EntitySetName,
    id: number,
    navName: string,
    targetId: number,
  ) {
    const def = MODEL[set];
    const nav = navOf(def, navName)!;
    const repo = new EntityRepository(trx);
    if (!(await repo.exists(MODEL[nav.target].table, targetId, w.municipalityId)))
      throw Errors.notFound(MODEL[nav.target].type);
    // A collection's member that holds the foreign key (Datastreams(1)/Observations) points here from now on.
    const inverse = MODEL[nav.target].navs.find((n) => n.target === set && n.fk);
    if (!inverse) await this.linkMany(trx, w, def, id, nav, [targetId]);
    else {
      const relink = () =>
        repo.setForeignKey(MODEL[nav.target].table, targetId, w.municipalityId, inverse.fk!, id);
      // An Observation moved to another Datastream: rollups, latest values and extents follow, as on PATCH.
      if (nav.target === 'Observations')
        await this.observations.change(trx, w.municipalityId, { ids: [targetId] }, relink);
      else await relink();
    }
    w.changes.push(
      { set, id, municipalityId: w.municipalityId, kind: 'updated' },
      { set: nav.target, id: targetId, municipalityId: w.municipalityId, kind: 'updated' },
    );
  }

  /** Removes a many-to-many link (DELETE …/Nav(id)/$ref). */
  async removeRef(trx: Database, set: EntitySetName, id: number, navName: string, targetId: number) {
    const repo = new EntityRepository(trx);
    const pair = `${set}.${navName}`;
    if (
      pair === 'Things.Locations'
        ? await repo.unlinkThingLocation(id, targetId)
        : pair === 'Locations.Things'
          ? await repo.unlinkThingLocation(targetId, id)
          : null
    )
      return;
    if (pair !== 'Things.Locations' && pair !== 'Locations.Things')
      throw bad(`The link ${pair} cannot be removed (it is required)`);
    throw Errors.notFound('Link');
  }

  /**
   * Deletes Observations of one municipality together (DELETE on a collection): their rollups, latest
   * values and their streams' extents are corrected once, not once per Observation.
   */
  async deleteObservations(trx: Database, municipalityId: string, ids: number[]): Promise<void> {
    const repo = new EntityRepository(trx);
    await this.observations.change(trx, municipalityId, { ids }, () =>
      repo.deleteMany(MODEL.Observations.table, ids, municipalityId),
    );
  }

  /** Deletes with the standard's cascades. */
  async delete(trx: Database, set: EntitySetName, id: number, municipalityId: string): Promise<void> {
    const repo = new EntityRepository(trx);
    if (set === 'Locations') await repo.deleteHistoricalLocationsOnlyOf(id);
    if (set === 'FeaturesOfInterest')
      await this.observations.change(trx, municipalityId, { featureOfInterestId: id }, () =>
        repo.deleteObservationsOfFeature(id),
      );
    if (set === 'ObservedProperties') await repo.deleteMultiDatastreamsOfObservedProperty(id);
    // Rollups and latest values follow a deleted Observation (see ObservationService.change).
    let deleted = false;
    const remove = async () => {
      deleted = await repo.delete(MODEL[set].table, id, municipalityId);
    };
    if (set === 'Observations') await this.observations.change(trx, municipalityId, { ids: [id] }, remove);
    else await remove();
    if (!deleted) throw Errors.notFound(MODEL[set].type);
  }
}

/**
 * The usual device message posted below a Datastream, `{phenomenonTime, result}` and perhaps resultTime,
 * read without the general parser's bookkeeping (MQTT takes thousands a second). The same rules and
 * instant parsers as parseBody; undefined for any other shape, which the general path then reads.
 * Throws like parseBody for invalid values.
 */
function commonObservationInput(body: unknown, datastreamId: number): ObservationInput | undefined {
  if (!isObject(body)) return undefined;
  let phenomenonTime: { start: Date; end: Date | null } | undefined;
  let resultTime: Date | null = null;
  let result: unknown;
  for (const key in body) {
    const value = body[key];
    if (key === 'phenomenonTime') phenomenonTime = parseTimeOrInterval(value, 'Observation.phenomenonTime');
    else if (key === 'resultTime')
      resultTime = value === null ? null : parseInstant(value, 'Observation.resultTime');
    else if (key === 'result') result = value;
    else return undefined;
  }
  if (result === undefined) throw bad('Observation.result is required');
  // The same shape (property order) as observationInput's, so both kinds of input share one hidden class.
  const input: ObservationInput = {
    phenomenonTime: phenomenonTime ?? { start: new Date(), end: null },
    resultTime,
    result: typeof result === 'object' ? JSON.parse(JSON.stringify(result)) : result,
    resultQuality: null,
    validTime: null,
    parameters: null,
    featureOfInterestId: null,
  };
  input.datastreamId = datastreamId;
  return input;
}

/** The ObservationInput of parsed Observation columns (links already resolved to ids). */
function observationInput(columns: Body): ObservationInput {
  const datastreamId = columns.datastream_id as number | undefined;
  const multiDatastreamId = columns.multi_datastream_id as number | undefined;
  if ((datastreamId === undefined) === (multiDatastreamId === undefined))
    throw bad('An Observation needs exactly one of Datastream and MultiDatastream');
  if (!('result_number' in columns)) throw bad('Observation.result is required');
  // No object spread here: V8 builds a spread literal on a slow path (microseconds per Observation).
  const input: ObservationInput = {
    phenomenonTime: {
      start: (columns.phenomenon_time_start as Date | undefined) ?? new Date(),
      end: (columns.phenomenon_time_end as Date | null | undefined) ?? null,
    },
    resultTime: (columns.result_time as Date | null | undefined) ?? null,
    result: columns.result_number ?? JSON.parse(columns.result as string),
    resultQuality: columns.result_quality ? JSON.parse(columns.result_quality as string) : null,
    validTime: columns.valid_time_start
      ? { start: columns.valid_time_start as Date, end: columns.valid_time_end as Date }
      : null,
    parameters: columns.parameters
      ? (JSON.parse(columns.parameters as string) as Record<string, unknown>)
      : null,
    featureOfInterestId: (columns.feature_of_interest_id as number | undefined) ?? null,
  };
  if (datastreamId !== undefined) input.datastreamId = datastreamId;
  else input.multiDatastreamId = multiDatastreamId!;
  if (multiDatastreamId !== undefined && !Array.isArray(input.result))
    throw bad('The result of a MultiDatastream Observation is an array');
  return input;
}
