// The SensorThings request handler, independent of the HTTP framework so that $batch can run requests
// through it (in one transaction per change set): resolves the resource path, checks the policy, reads
// or writes through the entity services, and answers with status, headers and body.
import { sql } from 'kysely';
import type { Principal } from '../../core/auth/principal.js';
import type { Database } from '../../core/db/database.js';
import { AppError, Errors } from '../../core/errors.js';
import { EntityRepository, type Row } from '../entities/entity.repository.js';
import { linkedId, parseId, type EntityService, type WriteContext } from '../entities/entity.service.js';
import {
  isEntitySet,
  MODEL,
  navOf,
  propertyOf,
  type EntityDef,
  type EntitySetName,
  type NavDef,
} from '../entities/model.js';
import { ownedCondition } from '../entities/visibility.js';
import { sensorViewer, sensorWriteMunicipalities } from '../sensors.policy.js';
import { parseOptions, rawQueryOptions, type QueryOptions } from './query.js';
import {
  parentCondition,
  parentScope,
  propertyValue,
  Reader,
  type Json,
  type ReadSettings,
  type Scope,
} from './reader.js';

export interface StaRequest {
  method: string;
  /** Path below the service root, e.g. "/Things(1)/Datastreams". */
  path: string;
  query: string;
  body: unknown;
  contentType: string | undefined;
  principal: Principal | null;
  /** Absolute service root URL, e.g. "https://example.org/sta/v1.1". */
  base: string;
  /** X-Municipality: which municipality a new top-level entity belongs to (id or slug). */
  municipality: string | undefined;
}

export interface StaResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
}

export interface StaServices {
  db: Database;
  entities: EntityService;
  settings: ReadSettings;
  /** Conformance classes and server settings of extensions switched on at start (MQTT). */
  extensions?: StaExtensions;
}

export interface StaExtensions {
  conformance: string[];
  settings: Record<string, unknown>;
}

const bad = (message: string) => Errors.badRequest(message);

interface Segment {
  name: string;
  id?: number;
  /** Array indexes after a property name: `result[0]` (into JSON values). */
  indexes?: number[];
  /** The segment as written (decoded): the key of a property answer. */
  raw: string;
}

/** Entities one DELETE on a collection may remove at most. */
const MAX_DELETE_WHERE = 10_000;

function parsePath(path: string): Segment[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.map((raw) => {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      throw bad('Malformed percent-encoding in the path');
    }
    const indexed = /^([A-Za-z_][\w]*)((?:\[\d{1,9}\])+)$/.exec(part);
    if (indexed) {
      const indexes = [...indexed[2]!.matchAll(/\d+/g)].map((d) => Number(d[0]));
      return { name: indexed[1]!, indexes, raw: part };
    }
    const m = /^([A-Za-z$][\w.]*)(?:\((?:(\d+)|'(\d+)')\))?$/.exec(part);
    if (!m) throw bad(`Malformed path segment '${part}'`);
    const digits = m[2] ?? m[3];
    if (digits === undefined) return { name: m[1]!, raw: part };
    // An id beyond the ids we hand out (e.g. Long.MAX_VALUE of the conformance tests) names no entity:
    // 404 like any other unknown id, not 400; 0 is never an id.
    const id = Number(digits);
    return { name: m[1]!, raw: part, id: Number.isSafeInteger(id) ? id : 0 };
  });
}

type Resolved =
  | {
      kind: 'collection';
      def: EntityDef;
      conds: ReturnType<typeof parentCondition>[];
      scope?: Scope;
      parent?: { def: EntityDef; row: Row; nav: NavDef };
    }
  | { kind: 'entity'; def: EntityDef; row: Row; parent?: { def: EntityDef; row: Row; nav: NavDef } }
  | {
      kind: 'property';
      def: EntityDef;
      row: Row;
      property: string;
      /** Keys and indexes into a JSON property (`properties/owner`, `result[0]`); the answer's key. */
      path: (string | number)[];
      key: string;
    };

export const SERVICE_CONFORMANCE = [
  'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/multi-datastream',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array',
];

export class StaHandler {
  constructor(private readonly services: StaServices) {}

  reader(request: Pick<StaRequest, 'principal' | 'base'>, db: Database = this.services.db): Reader {
    return new Reader(db, sensorViewer(request.principal), request.base, this.services.settings);
  }

  async handle(
    request: StaRequest,
    db: Database = this.services.db,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    const segments = parsePath(request.path);
    const method = request.method.toUpperCase();
    if (segments.length === 0) {
      if (method !== 'GET') throw new AppError('method_not_allowed', 405, 'Method not allowed');
      return { status: 200, body: this.serviceRoot(request.base) };
    }
    if (
      segments.length === 1 &&
      segments[0]!.name === 'CreateObservations' &&
      segments[0]!.id === undefined
    ) {
      if (method !== 'POST') throw new AppError('method_not_allowed', 405, 'Method not allowed');
      return this.createObservations(request, db, deferred);
    }
    let ref = false;
    let value = false;
    if (segments.at(-1)?.name === '$value') {
      value = true;
      segments.pop();
    } else if (segments.at(-1)?.name === '$ref') {
      ref = true;
      segments.pop();
    }
    const reader = this.reader(request, db);
    const target = await this.resolve(reader, segments);
    if (value && target.kind !== 'property') throw bad('$value follows a property');
    if (ref && target.kind === 'property') throw bad('$ref follows an entity or a collection');
    const options = parseOptions(rawQueryOptions(request.query));

    switch (method) {
      case 'GET':
      case 'HEAD': // Fastify answers HEAD by this route and sends the headers of the GET answer only
        return this.get(reader, request, target, options, { ref, value });
      case 'POST':
        if (ref) return this.postRef(request, db, target, deferred);
        if (target.kind !== 'collection')
          throw new AppError('method_not_allowed', 405, 'POST goes to a collection');
        return this.post(request, db, target, deferred);
      case 'PATCH':
      case 'PUT':
        if (target.kind !== 'entity' || ref)
          throw new AppError('method_not_allowed', 405, `${method} goes to an entity`);
        return this.update(request, db, target, method, deferred);
      case 'DELETE':
        if (target.kind === 'collection' && !ref)
          return this.deleteWhere(request, reader, db, target, options, deferred);
        if (target.kind !== 'entity')
          throw new AppError('method_not_allowed', 405, 'DELETE goes to an entity or a collection');
        return this.delete(request, db, target, ref, deferred);
      default:
        throw new AppError('method_not_allowed', 405, 'Method not allowed');
    }
  }

  serviceRoot(base: string): Json {
    return {
      value: Object.keys(MODEL).map((name) => ({ name, url: `${base}/${name}` })),
      serverSettings: {
        conformance: [...SERVICE_CONFORMANCE, ...(this.services.extensions?.conformance ?? [])],
        ...this.services.extensions?.settings,
      },
    };
  }

  private async resolve(reader: Reader, segments: Segment[]): Promise<Resolved> {
    const first = segments[0]!;
    if (first.indexes) throw bad(`Malformed path segment '${first.raw}'`);
    if (!isEntitySet(first.name)) throw Errors.notFound(`Entity set '${first.name}'`);
    let current: Resolved = { kind: 'collection', def: MODEL[first.name], conds: [] };
    if (first.id !== undefined) current = await this.pick(reader, current, first.id);
    for (const segment of segments.slice(1)) {
      if (current.kind === 'property') {
        const kind = propertyOf(current.def, current.property)?.kind;
        if (segment.id !== undefined || !(kind === 'json' || kind === 'object' || kind === 'result'))
          throw bad(`Nothing follows the property '${current.property}'`);
        current.path.push(segment.name, ...(segment.indexes ?? []));
        current.key = segment.raw;
        continue;
      }
      if (current.kind === 'collection') throw bad(`'${segment.name}' cannot follow a collection`);
      const nav = segment.indexes ? undefined : navOf(current.def, segment.name);
      if (nav) {
        const target = MODEL[nav.target];
        const parent = { def: current.def, row: current.row, nav };
        const cond = parentCondition(current.def, current.row.id, nav);
        if (nav.many) {
          const scope = parentScope(current.row.id, nav);
          current = { kind: 'collection', def: target, conds: [cond], parent, ...(scope ? { scope } : {}) };
          if (segment.id !== undefined) current = await this.pick(reader, current, segment.id);
        } else {
          if (segment.id !== undefined) throw bad(`${nav.name} is a single entity`);
          const row = await reader.one(target, [cond]);
          if (!row) throw Errors.notFound(target.type);
          current = { kind: 'entity', def: target, row, parent };
        }
        continue;
      }
      const known = propertyOf(current.def, segment.name);
      if (segment.id !== undefined || !(known || segment.name === 'id'))
        throw Errors.notFound(`Property '${segment.name}' of ${current.def.type}`);
      if (segment.indexes && !(known?.kind === 'json' || known?.kind === 'result'))
        throw bad(`'${segment.name}' is not an array`);
      current = {
        kind: 'property',
        def: current.def,
        row: current.row,
        property: segment.name,
        path: [...(segment.indexes ?? [])],
        key: segment.raw,
      };
    }
    return current;
  }

  private async pick(
    reader: Reader,
    collection: Extract<Resolved, { kind: 'collection' }>,
    id: number,
  ): Promise<Resolved> {
    const row = await reader.one(collection.def, [...collection.conds, sql`t0.id = ${id}`]);
    if (!row) throw Errors.notFound(collection.def.type);
    return {
      kind: 'entity',
      def: collection.def,
      row,
      ...(collection.parent ? { parent: collection.parent } : {}),
    };
  }

  private async get(
    reader: Reader,
    request: StaRequest,
    target: Resolved,
    options: QueryOptions,
    flags: { ref: boolean; value: boolean },
  ): Promise<StaResponse> {
    if (target.kind === 'property') {
      const property = propertyOf(target.def, target.property);
      let v: unknown = property ? propertyValue(property, target.row) : target.row.id;
      // Into JSON: a missing key or index is a 404 like a missing property.
      for (const step of target.path) {
        const inside =
          typeof step === 'number'
            ? Array.isArray(v) && step < v.length
            : v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step);
        if (!inside) throw Errors.notFound(`'${target.key}' of ${target.def.type}`);
        v = (v as Record<string | number, unknown>)[step];
      }
      if (flags.value) {
        if (v === null) return { status: 204 };
        return { status: 200, text: typeof v === 'string' ? v : JSON.stringify(v) };
      }
      if (v === null) return { status: 204 };
      return { status: 200, body: { [target.key]: v } };
    }
    if (flags.ref) {
      if (target.kind === 'entity')
        return { status: 200, body: { '@iot.selfLink': reader.selfLink(target.def, target.row.id) } };
      const page = await reader.rows(
        target.def,
        target.conds,
        { ...options, expand: [], select: [] },
        target.scope,
      );
      return {
        status: 200,
        body: this.page(
          request,
          page,
          page.rows.map((row) => ({ '@iot.selfLink': reader.selfLink(target.def, row.id) })),
        ),
      };
    }
    reader.checkSelect(target.def, options);
    if (target.kind === 'entity') {
      // $top, $skip and $count mean nothing for one entity and are ignored, as in an expanded single
      // navigation (the OGC suite sends them along on `Things(1)?$select=…&$top=2&$count=true`).
      if (options.filter || options.orderby) throw bad('$filter and $orderby apply to collections');
      return { status: 200, body: await reader.serialize(target.def, target.row, options) };
    }
    const page = await reader.rows(target.def, target.conds, options, target.scope);
    if (options.resultFormat === 'dataArray') {
      if (target.def.set !== 'Observations') throw bad('$resultFormat=dataArray applies to Observations');
      return {
        status: 200,
        body: this.page(request, page, this.dataArray(reader, page.rows, options), 'value'),
      };
    }
    const value = await reader.serializeAll(target.def, page.rows, options);
    return { status: 200, body: this.page(request, page, value) };
  }

  private page(
    request: StaRequest,
    page: { count?: number | undefined; more: boolean; top: number; skip: number },
    value: unknown[],
    _key = 'value',
  ): Json {
    const out: Json = {};
    if (page.count !== undefined) out['@iot.count'] = page.count;
    // $top=0 asks for the count only: a next page of nothing would never end.
    if (page.more && page.top > 0) {
      const kept = request.query.split('&').filter((p) => p !== '' && !/^(\$|%24)(top|skip)=/i.test(p));
      kept.push(`$top=${page.top}`, `$skip=${page.skip + page.top}`);
      out['@iot.nextLink'] = `${request.base}${request.path}?${kept.join('&')}`;
    }
    out.value = value;
    return out;
  }

  private dataArray(reader: Reader, rows: Row[], options: QueryOptions): Json[] {
    const def = MODEL.Observations;
    // Without $select every property of an Observation is a component (the OGC suite checks the full set).
    const components = options.select?.filter((s) => s === 'id' || propertyOf(def, s)) ?? [
      'id',
      'phenomenonTime',
      'result',
      'resultTime',
      'resultQuality',
      'validTime',
      'parameters',
    ];
    const groups = new Map<string, Json & { dataArray: unknown[][] }>();
    for (const row of rows) {
      const multi = row.multi_datastream_id !== null && row.multi_datastream_id !== undefined;
      const key = multi ? `m${String(row.multi_datastream_id)}` : `d${String(row.datastream_id)}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          ...(multi
            ? {
                'MultiDatastream@iot.navigationLink': reader.selfLink(
                  MODEL.MultiDatastreams,
                  row.multi_datastream_id as number,
                ),
              }
            : {
                'Datastream@iot.navigationLink': reader.selfLink(
                  MODEL.Datastreams,
                  row.datastream_id as number,
                ),
              }),
          components,
          'dataArray@iot.count': 0,
          dataArray: [],
        };
        groups.set(key, group);
      }
      group.dataArray.push(
        components.map((c) => (c === 'id' ? row.id : propertyValue(propertyOf(def, c)!, row))),
      );
      group['dataArray@iot.count'] = group.dataArray.length;
    }
    return [...groups.values()];
  }

  // ---- writes ----

  private writable(principal: Principal | null): string[] | 'all' {
    if (!principal) throw Errors.unauthenticated();
    return sensorWriteMunicipalities(principal);
  }

  private checkWrite(principal: Principal | null, municipalityId: string): void {
    const m = this.writable(principal);
    if (m !== 'all' && !m.includes(municipalityId))
      throw Errors.forbidden('You may not change sensor data of this municipality');
  }

  /** The municipality a new top-level entity belongs to: a linked entity's, X-Municipality, or the only one. */
  private async municipalityFor(
    request: StaRequest,
    db: Database,
    def: EntityDef,
    body: unknown,
  ): Promise<string> {
    const writable = this.writable(request.principal);
    const repo = new EntityRepository(db);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const candidates: [NavDef, unknown][] = [];
      for (const [key, value] of Object.entries(body as Json)) {
        const nav = navOf(def, key);
        if (!nav) continue;
        for (const item of Array.isArray(value) ? value : [value]) candidates.push([nav, item]);
      }
      for (const [nav, item] of candidates) {
        const link = linkedId(item);
        if (link === undefined) continue;
        const m = await repo.municipalityOf(MODEL[nav.target].table, link, ownedCondition('t0', writable));
        if (!m) throw bad(`Linked ${MODEL[nav.target].type} ${link} not found`);
        return m;
      }
    }
    if (request.municipality) {
      const row = await db
        .selectFrom('municipalities')
        .select('id')
        .where((eb) =>
          /^[0-9a-f-]{36}$/i.test(request.municipality!)
            ? eb('id', '=', request.municipality!)
            : eb('slug', '=', request.municipality!),
        )
        .executeTakeFirst();
      if (!row) throw bad('Unknown municipality in X-Municipality');
      this.checkWrite(request.principal, row.id);
      return row.id;
    }
    if (writable !== 'all' && writable.length === 1) return writable[0]!;
    if (writable !== 'all' && writable.length === 0) throw Errors.forbidden('You may not write sensor data');
    throw bad('Say which municipality the entity belongs to with the header X-Municipality (id or slug)');
  }

  private async post(
    request: StaRequest,
    db: Database,
    target: Extract<Resolved, { kind: 'collection' }>,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    let municipalityId: string;
    if (target.parent) {
      municipalityId = target.parent.row.municipality_id;
      this.checkWrite(request.principal, municipalityId);
    } else {
      municipalityId = await this.municipalityFor(request, db, target.def, request.body);
    }
    const parent = target.parent ? { set: target.parent.def.set, id: target.parent.row.id } : undefined;
    const id = await this.writeIn(
      db,
      municipalityId,
      (trx, w) => this.services.entities.create(trx, w, target.def.set, request.body, parent),
      deferred,
    );
    const reader = this.reader(request, db);
    const row = await new EntityRepository(db).list(target.def, [sql`t0.id = ${id}`], [], 1, 0);
    const selfLink = reader.selfLink(target.def, id);
    return {
      status: 201,
      headers: { location: selfLink },
      body: await reader.serialize(target.def, row[0]!, {}),
    };
  }

  private async postRef(
    request: StaRequest,
    db: Database,
    target: Resolved,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    if (target.kind !== 'collection' || !target.parent)
      throw bad('POST $ref goes to a navigation collection');
    const parent = target.parent;
    this.checkWrite(request.principal, parent.row.municipality_id);
    const targetId = this.idFromReference(request.body, request.base, target.def.set);
    await this.writeIn(
      db,
      parent.row.municipality_id,
      (trx, w) =>
        this.services.entities.addRef(trx, w, parent.def.set, parent.row.id, parent.nav.name, targetId),
      deferred,
    );
    return { status: 204 };
  }

  private idFromReference(body: unknown, base: string, set: EntitySetName): number {
    if (typeof body !== 'object' || body === null)
      throw bad('A reference is {"@iot.id": …} or {"@iot.selfLink": …}');
    const b = body as Json;
    if (b['@iot.id'] !== undefined) return parseId(b['@iot.id']);
    const link = b['@iot.selfLink'];
    if (typeof link === 'string') {
      const m = new RegExp(`${set}\\((\\d{1,15})\\)$`).exec(link.startsWith(base) ? link : link);
      if (m) return Number(m[1]);
    }
    throw bad('A reference is {"@iot.id": …} or {"@iot.selfLink": …}');
  }

  private async update(
    request: StaRequest,
    db: Database,
    target: Extract<Resolved, { kind: 'entity' }>,
    method: 'PATCH' | 'PUT',
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    const municipalityId = target.row.municipality_id;
    this.checkWrite(request.principal, municipalityId);
    let body = request.body;
    let mode: 'patch' | 'put' = method === 'PUT' ? 'put' : 'patch';
    if (method === 'PATCH' && /^application\/json-patch\+json/i.test(request.contentType ?? '')) {
      const reader = this.reader(request, db);
      const current = await reader.serialize(target.def, target.row, {
        select: target.def.properties.map((p) => p.name),
      });
      body = applyJsonPatch(current, body);
      mode = 'patch';
    }
    await this.writeIn(
      db,
      municipalityId,
      (trx, w) => this.services.entities.update(trx, w, target.def.set, target.row.id, body, mode),
      deferred,
    );
    const reader = this.reader(request, db);
    const row = await new EntityRepository(db).list(target.def, [sql`t0.id = ${target.row.id}`], [], 1, 0);
    return { status: 200, body: await reader.serialize(target.def, row[0]!, {}) };
  }

  private async delete(
    request: StaRequest,
    db: Database,
    target: Extract<Resolved, { kind: 'entity' }>,
    ref: boolean,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    if (ref) {
      const parent = target.parent;
      if (!parent || !parent.nav.many)
        throw bad('DELETE $ref removes an entity from a navigation collection');
      this.checkWrite(request.principal, parent.row.municipality_id);
      await this.writeIn(
        db,
        parent.row.municipality_id,
        (trx) =>
          this.services.entities.removeRef(
            trx,
            parent.def.set,
            parent.row.id,
            parent.nav.name,
            target.row.id,
          ),
        deferred,
      );
      return { status: 200 };
    }
    const municipalityId = target.row.municipality_id;
    this.checkWrite(request.principal, municipalityId);
    await this.writeIn(
      db,
      municipalityId,
      (trx) => this.services.entities.delete(trx, target.def.set, target.row.id, municipalityId),
      deferred,
    );
    return { status: 200 };
  }

  /**
   * DELETE on a collection (`Datastreams(1)/Observations?$filter=resultTime lt …`, as FROST-Server offers
   * it): every entity of the collection that matches the filter and that the caller may write, with the
   * usual cascades; one transaction per municipality.
   */
  private async deleteWhere(
    request: StaRequest,
    reader: Reader,
    db: Database,
    target: Extract<Resolved, { kind: 'collection' }>,
    options: QueryOptions,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    const conds = [...target.conds, ownedCondition('t0', this.writable(request.principal))];
    const byMunicipality = new Map<string, number[]>();
    let matched = 0;
    for (let skip = 0, more = true; more;) {
      const page = await reader.rows(
        target.def,
        conds,
        { filter: options.filter, top: Infinity, skip },
        target.scope,
      );
      matched += page.rows.length;
      // Deleted one by one with their cascades, in one transaction: a mistaken `DELETE /Observations`
      // must not hold the database for hours. Old data goes by the Datastream's retention policy.
      if (matched > MAX_DELETE_WHERE)
        throw bad(
          `The DELETE matches more than ${MAX_DELETE_WHERE.toLocaleString('en')} entities; narrow its $filter (old Observations are removed by the Datastream's retention policy)`,
        );
      for (const row of page.rows) {
        const ids = byMunicipality.get(row.municipality_id) ?? [];
        ids.push(row.id);
        byMunicipality.set(row.municipality_id, ids);
      }
      more = page.more;
      skip += page.top;
    }
    for (const [municipalityId, ids] of byMunicipality)
      await this.writeIn(
        db,
        municipalityId,
        async (trx) => {
          if (target.def.set === 'Observations')
            await this.services.entities.deleteObservations(trx, municipalityId, ids);
          else
            for (const id of ids)
              await this.services.entities.delete(trx, target.def.set, id, municipalityId);
        },
        deferred,
      );
    return { status: 200 };
  }

  /**
   * EntityService.write for this request: inside a $batch changeset `db` is the changeset's transaction and
   * the changes wait in `deferred` for its commit; otherwise the write opens its own transaction.
   */
  private writeIn<T>(
    db: Database,
    municipalityId: string,
    work: (trx: Database, w: WriteContext) => Promise<T>,
    deferred?: WriteContext[],
  ): Promise<T> {
    return this.services.entities.write(
      municipalityId,
      work,
      db === this.services.db ? undefined : db,
      deferred,
    );
  }

  /** POST CreateObservations: dataArrays per (Multi)Datastream; one selfLink or "error" per row. */
  private async createObservations(
    request: StaRequest,
    db: Database,
    deferred?: WriteContext[],
  ): Promise<StaResponse> {
    if (!Array.isArray(request.body)) throw bad('CreateObservations expects an array');
    const writable = this.writable(request.principal);
    const repo = new EntityRepository(db);
    const result: string[] = [];
    const reader = this.reader(request, db);
    for (const group of request.body as unknown[]) {
      if (typeof group !== 'object' || group === null)
        throw bad('Each entry of CreateObservations is an object');
      const g = group as Json;
      const streamKey = g.Datastream !== undefined ? 'Datastream' : 'MultiDatastream';
      const streamId = linkedId(g[streamKey]);
      if (streamId === undefined) throw bad('Each entry names its Datastream or MultiDatastream by @iot.id');
      const components = g.components;
      const rows = g.dataArray;
      if (!Array.isArray(components) || !components.every((c) => typeof c === 'string'))
        throw bad('components must be an array of names');
      if (!Array.isArray(rows)) throw bad('dataArray must be an array');
      const allowed = new Set([
        'phenomenonTime',
        'resultTime',
        'result',
        'resultQuality',
        'validTime',
        'parameters',
        'FeatureOfInterest/id',
      ]);
      for (const c of components) if (!allowed.has(c)) throw bad(`Unknown component '${c}'`);
      const table = streamKey === 'Datastream' ? 'sensor_datastreams' : 'sensor_multi_datastreams';
      const municipalityId = await repo.municipalityOf(table, streamId, ownedCondition('t0', writable));
      if (!municipalityId) throw bad(`${streamKey} ${streamId} not found`);
      for (const values of rows as unknown[]) {
        try {
          if (!Array.isArray(values) || values.length !== components.length)
            throw bad('Row does not match components');
          const row: unknown[] = values;
          const body: Json = { [streamKey]: { '@iot.id': streamId } };
          components.forEach((c, i) => {
            if (c === 'FeatureOfInterest/id') body.FeatureOfInterest = { '@iot.id': row[i] };
            else body[c] = row[i];
          });
          const id = await this.writeIn(
            db,
            municipalityId,
            (trx, w) => this.services.entities.create(trx, w, 'Observations', body),
            deferred,
          );
          result.push(reader.selfLink(MODEL.Observations, id));
        } catch (error) {
          if (db !== this.services.db || !(error instanceof AppError)) throw error;
          result.push('error');
        }
      }
    }
    return { status: 201, body: result };
  }
}

/** RFC 6902 on a plain JSON document. */
export function applyJsonPatch(document: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw bad('A JSON Patch is an array of operations');
  const doc = structuredClone<Json>(document);
  const pointer = (path: unknown): [Json | unknown[], string] => {
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw bad(`Invalid JSON Pointer ${JSON.stringify(path)}`);
    const parts = path
      .slice(1)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = doc;
    for (const part of parts.slice(0, -1)) {
      if (typeof node !== 'object' || node === null) throw bad(`Path ${path} does not exist`);
      node = (node as Json)[part];
    }
    if (typeof node !== 'object' || node === null) throw bad(`Path ${path} does not exist`);
    return [node as Json, parts.at(-1)!];
  };
  const get = (path: unknown) => {
    const [parent, key] = pointer(path);
    if (!(key in parent)) throw bad(`Path ${String(path)} does not exist`);
    return (parent as Json)[key];
  };
  const remove = (path: unknown) => {
    const [parent, key] = pointer(path);
    if (!(key in parent)) throw bad(`Path ${String(path)} does not exist`);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    // An entity property is cleared (the result is applied as a merge PATCH); a key inside a JSON
    // property such as `properties/key1` is gone.
    else if (parent === doc) parent[key] = null;
    else delete parent[key];
  };
  const add = (path: unknown, value: unknown) => {
    const [parent, key] = pointer(path);
    if (Array.isArray(parent)) {
      if (key === '-') parent.push(value);
      else parent.splice(Number(key), 0, value);
    } else parent[key] = value;
  };
  for (const op of patch as unknown[]) {
    if (typeof op !== 'object' || op === null) throw bad('A JSON Patch operation is an object');
    const o = op as Json;
    switch (o.op) {
      case 'add':
        add(o.path, o.value);
        break;
      case 'remove':
        remove(o.path);
        break;
      case 'replace': {
        get(o.path);
        const [parent, key] = pointer(o.path);
        (parent as Json)[key] = o.value;
        break;
      }
      case 'move': {
        const v = get(o.from);
        remove(o.from);
        add(o.path, v);
        break;
      }
      case 'copy':
        add(o.path, structuredClone(get(o.from)));
        break;
      case 'test':
        if (JSON.stringify(get(o.path)) !== JSON.stringify(o.value))
          throw new AppError('conflict', 409, `JSON Patch test failed at ${String(o.path)}`);
        break;
      default:
        throw bad(`Unknown JSON Patch operation ${JSON.stringify(o.op)}`);
    }
  }
  return doc;
}
