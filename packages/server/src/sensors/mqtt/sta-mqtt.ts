// The SensorThings MQTT extension, independent of the broker: publishing creates Observations through
// the same handler as HTTP POST (same validation, same write policy), and entity changes become
// notifications rendered exactly as an HTTP GET would render them for the subscriber (so a subscriber
// receives only what it may read). The embedded broker and the external-broker client both use this.
import type { Logger } from 'pino';
import type { Principal } from '../../core/auth/principal.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';
import type { PublicationService } from '../../core/publication/publication.service.js';
import type { Row } from '../entities/entity.repository.js';
import type { EntityChange, EntityService } from '../entities/entity.service.js';
import { MODEL, type EntitySetName } from '../entities/model.js';
import type { LockTurn, ObservationService } from '../observations/observation.service.js';
import type { ObservationInput, StoredObservation } from '../observations/observation.types.js';
import type { StaHandler } from '../sensorthings/handler.js';
import { entityJsonText } from '../sensorthings/reader.js';
import { mayWriteSensors, sensorViewer } from '../sensors.policy.js';
import { isObservationCreateTopic, parseStaTopic, STA_VERSION, TopicError, type StaTopic } from './topics.js';

/** One subscription of one client (or, in external-broker mode, the public audience). */
export interface StaSubscription {
  /** The topic as subscribed, which is also the topic notifications are published to. */
  raw: string;
  topic: StaTopic;
  principal: Principal | null;
  deliver: (payload: Buffer) => void;
  /** Last value of a property subscription: only real changes are sent. */
  last?: string | null;
  /** Resolves once `last` holds the value at subscription time. */
  primed?: Promise<void>;
}

/** What changed, in one shape for entity changes and stored Observations. */
export interface StaChange {
  set: EntitySetName;
  id: number;
  kind: 'created' | 'updated';
  datastreamId?: number | null;
  multiDatastreamId?: number | null;
  featureOfInterestId?: number | null;
  /** A new Observation as stored, so it can be shown without reading it back. */
  observation?: StoredObservation;
}

/**
 * Most publishes stored in one transaction (group commit). Batches of the same Datastreams commit one
 * after the other (their stream locks), so under a backlog this size sets the rate: each batch pays the
 * round trips and the commit once. Bounds the statement and how long one batch holds its locks; a batch
 * that fails is halved until the bad message is alone (see storeBatch), so its size costs little then.
 */
const MAX_BATCH = 5_000;
/**
 * Group commits under way at once. While one batch inserts and commits, the next is parsed, opens its
 * transaction and waits for its stream locks, so the commit's round trip and the PUBACK work no longer
 * stall everything behind them. More would only hold more pool connections waiting for the same locks.
 */
const MAX_BATCHES_IN_FLIGHT = 3;
/** STA_MAX_TOP's default. */
const DEFAULT_MAX_TOP = 1_000;
/** Consecutive ids read as one range instead of `id eq` terms. */
const MIN_RANGE = 10;
/** Parsed publish topics remembered (then forgotten all at once). */
const MAX_KNOWN_TOPICS = 10_000;
/** Streams whose municipality is remembered (then forgotten all at once; a query refills it). */
const MAX_KNOWN_OWNERS = 100_000;

/** A publish waiting for its turn in a group commit. */
interface QueuedPublish {
  topicName: string;
  payload: Buffer;
  principal: Principal | null;
  resolve: (id: number) => void;
  reject: (error: unknown) => void;
}

/** A queued publish that was recognised as one plain Observation (links by id only). */
interface PlainPublish {
  item: QueuedPublish;
  input: ObservationInput;
  key: string;
}

export interface StaMqttOptions {
  handler: StaHandler;
  entities: EntityService;
  observations: ObservationService;
  /** Absolute service root for selfLinks, e.g. https://example.org/sta/v1.1. */
  base: string;
  log: Logger;
  /** STA_MAX_TOP: the most entities one GET returns (renderObservations reads ranges this wide). */
  maxTop?: number;
  /** Which streams the public may read (renderPublicObservations). */
  publications: Pick<PublicationService, 'publishedAmong'>;
}

/** Permanent rejections (bad topic, payload or permission): retrying the same message cannot help. */
export function isPermanentRejection(error: unknown): boolean {
  return error instanceof TopicError || (isAppError(error) && error.status < 500);
}

export class StaMqtt {
  private readonly subscriptions = new Set<StaSubscription>();
  private readonly createTopics = new Map<string, StaTopic>();
  private readonly onChanged = (changes: EntityChange[]) =>
    this.dispatch(changes.map((c) => ({ set: c.set, id: c.id, kind: c.kind })));
  private readonly onStored = (stored: StoredObservation[]) => {
    const changes: StaChange[] = [];
    for (const o of stored) {
      // A FeatureOfInterest made from the Thing's Location for this Observation is new as well.
      if (o.featureCreated)
        changes.push({ set: 'FeaturesOfInterest', id: o.featureOfInterestId, kind: 'created' });
      changes.push({
        set: 'Observations',
        id: o.id,
        kind: 'created',
        datastreamId: o.datastreamId,
        multiDatastreamId: o.multiDatastreamId,
        featureOfInterestId: o.featureOfInterestId,
        observation: o,
      });
    }
    this.dispatch(changes);
  };
  /** Listeners for every change (external-broker mode publishes public notifications from here). */
  private readonly changeListeners: ((changes: StaChange[]) => void)[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: StaMqttOptions) {
    options.entities.events.on('changed', this.onChanged);
    options.observations.events.on('stored', this.onStored);
  }

  stop(): void {
    this.options.entities.events.off('changed', this.onChanged);
    this.options.observations.events.off('stored', this.onStored);
  }

  /** Waits for notifications under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Creates the Observation a client published; resolves after the commit with its id. Throws
   * TopicError or AppError (4xx: permanent) or any other error (storage: worth retrying).
   *
   * Group commit: publishes queue up and are stored together in one transaction (at most MAX_BATCH); a
   * batch starts one event-loop turn after its first publish, so everything from one network read joins
   * it; the next batch is formed once the one before holds its stream locks (see `gathering`). Up to
   * MAX_BATCHES_IN_FLIGHT batches are under way at once (a pipeline). Each promise settles only after
   * the commit of ITS batch, which is when the brokers send its PUBACK. Each batch takes its stream locks only after the batch before it has taken its own
   * (see ObservationService.createGroups), so a Datastream's messages are still stored in arrival order.
   */
  createFromPublish(topicName: string, payload: Buffer, principal: Principal | null): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ topicName, payload, principal, resolve, reject });
      this.drain();
    });
  }

  private readonly queue: QueuedPublish[] = [];
  /**
   * Municipality of each (Multi)Datastream published to (`d<id>`, `m<id>`). A stream never changes its
   * municipality; one deleted meanwhile fails its batch in ObservationService.create, and the message
   * then takes the single path, which reports it as not found.
   */
  private readonly owners = new Map<string, string>();
  private batchesInFlight = 0;
  private batchScheduled = false;
  /**
   * The most recent batch does not hold its stream locks yet: the next one is formed only once it does.
   * Batches of the same streams wait for each other's commits anyway, so splitting the queue early only
   * made several small batches that each paid the whole serial chain (lock, insert, commit); measured
   * twice as slow with 3 formed at once. The batch formed after the locks still overlaps their insert
   * and commit with its own parsing, BEGIN and lock request, and batches of other streams still overlap.
   */
  private gathering = false;
  /** Settles once the most recently started batch holds its stream locks (or gave up). */
  private previousLocked: Promise<void> = Promise.resolve();

  private drain(): void {
    if (
      this.batchScheduled ||
      this.gathering ||
      this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT ||
      this.queue.length === 0
    )
      return;
    this.batchScheduled = true;
    setImmediate(() => {
      this.batchScheduled = false;
      if (this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT || this.queue.length === 0) return;
      this.batchesInFlight++;
      let locked!: () => void;
      let holding = false;
      this.gathering = true;
      const turn = {
        after: this.previousLocked,
        locked: () => {
          if (holding) return;
          holding = true;
          locked();
          this.gathering = false;
          this.drain();
        },
      };
      this.previousLocked = new Promise<void>((resolve) => (locked = resolve));
      void this.storeBatch(this.queue.splice(0, MAX_BATCH), turn).finally(() => {
        turn.locked();
        this.batchesInFlight--;
        this.drain();
      });
      this.drain();
    });
  }

  /**
   * Plain Observations (links by id, writable by the publisher) of the batch go into one transaction;
   * everything else takes the path of one HTTP POST each, so a bad message fails only itself and is
   * reported exactly as over HTTP. A batch whose transaction fails for one of its messages (e.g. an
   * unknown FeatureOfInterest) is stored in halves, and a failing half in halves again, until the bad
   * message is alone and takes the single path: a few transactions instead of one per message. After a
   * storage failure (not the message's fault) every message takes the single path, as before.
   */
  private async storeBatch(batch: QueuedPublish[], turn: LockTurn): Promise<void> {
    const plain: PlainPublish[] = [];
    const single = new Set<QueuedPublish>();
    for (const item of batch) {
      const recognised = this.plain(item);
      if (recognised) plain.push(recognised);
      else single.add(item);
    }
    try {
      await this.storePlain(plain, single, turn);
    } catch (error) {
      this.options.log.warn({ err: error, messages: plain.length }, 'MQTT batch failed; storing it in parts');
      if (isPermanentRejection(error)) await this.storeHalves(plain, single);
      else for (const p of plain) single.add(p.item);
    }
    for (const item of batch) {
      if (!single.has(item)) continue;
      try {
        item.resolve(await this.create(item.topicName, item.payload, item.principal));
      } catch (error) {
        item.reject(error);
      }
    }
  }

  /** The publishes of a failed batch, in two transactions, halving again what fails (in order). */
  private async storeHalves(plain: PlainPublish[], single: Set<QueuedPublish>): Promise<void> {
    if (plain.length === 1) {
      single.add(plain[0]!.item);
      return;
    }
    const middle = Math.ceil(plain.length / 2);
    for (const half of [plain.slice(0, middle), plain.slice(middle)]) {
      try {
        await this.storePlain(half, single, undefined);
      } catch (error) {
        if (isPermanentRejection(error)) await this.storeHalves(half, single);
        else for (const p of half) single.add(p.item);
      }
    }
  }

  /** Stores the plain publishes in one transaction and settles them; the rest moves to `single`. */
  private async storePlain(
    plain: PlainPublish[],
    single: Set<QueuedPublish>,
    turn: LockTurn | undefined,
  ): Promise<void> {
    if (plain.length === 0) return;
    const unknown = plain.filter((p) => !this.owners.has(p.key));
    if (unknown.length > 0) {
      const found = await this.options.observations.streamOwners(
        unknown.flatMap((p) => (p.input.datastreamId !== undefined ? [p.input.datastreamId] : [])),
        unknown.flatMap((p) => (p.input.multiDatastreamId !== undefined ? [p.input.multiDatastreamId] : [])),
      );
      if (this.owners.size + found.size > MAX_KNOWN_OWNERS) this.owners.clear();
      for (const [key, municipalityId] of found) this.owners.set(key, municipalityId);
    }
    const groups = new Map<string, PlainPublish[]>();
    for (const p of plain) {
      const municipalityId = this.owners.get(p.key);
      // Unknown streams and missing permissions: the single path gives the error HTTP would give.
      if (!municipalityId || !p.item.principal || !mayWriteSensors(p.item.principal, municipalityId)) {
        single.add(p.item);
        continue;
      }
      const members = groups.get(municipalityId);
      if (members) members.push(p);
      else groups.set(municipalityId, [p]);
    }
    if (groups.size === 0) return;
    const entries = [...groups];
    const stored = await this.options.observations.createGroups(
      entries.map(([municipalityId, members]) => ({ municipalityId, inputs: members.map((m) => m.input) })),
      turn,
    );
    entries.forEach(([, members], g) => members.forEach((m, i) => m.item.resolve(stored[g]![i]!.id)));
  }

  /**
   * A topic devices publish to, parsed once: the same few topics arrive thousands of times. Forgotten all
   * at once when full, so the memory stays bounded whatever clients send.
   */
  private createTopic(name: string): StaTopic {
    let topic = this.createTopics.get(name);
    if (!topic) {
      topic = parseStaTopic(name);
      if (this.createTopics.size >= MAX_KNOWN_TOPICS) this.createTopics.clear();
      this.createTopics.set(name, topic);
    }
    return topic;
  }

  /** The publish as one plain Observation, or null when it needs the full path (or is invalid). */
  private plain(item: QueuedPublish): PlainPublish | null {
    if (!item.principal) return null;
    let topic: StaTopic;
    let body: unknown;
    try {
      topic = this.createTopic(item.topicName);
      body = JSON.parse(item.payload.toString('utf8'));
    } catch {
      return null;
    }
    if (!isObservationCreateTopic(topic) || topic.kind !== 'collection') return null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    const input = this.options.entities.observationInputOf(body, topic.parent);
    if (!input) return null;
    const key = input.datastreamId !== undefined ? `d${input.datastreamId}` : `m${input.multiDatastreamId}`;
    return { item, input, key };
  }

  /** The full path of one message: the SensorThings handler as for HTTP POST, its own transaction. */
  private async create(topicName: string, payload: Buffer, principal: Principal | null): Promise<number> {
    const topic = parseStaTopic(topicName);
    if (!principal) throw Errors.unauthenticated();
    if (!isObservationCreateTopic(topic))
      throw new TopicError(
        `Only Observations can be created by publishing (${STA_VERSION}/Observations or ${STA_VERSION}/Datastreams(id)/Observations)`,
      );
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      throw Errors.badRequest('The payload is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw Errors.badRequest('The payload is one Observation as a JSON object');
    const response = await this.options.handler.handle({
      method: 'POST',
      path: topic.path,
      query: '',
      body,
      contentType: 'application/json',
      principal,
      base: this.options.base,
      municipality: undefined,
    });
    const created = response.body as { '@iot.id'?: unknown } | undefined;
    if (response.status !== 201 || typeof created?.['@iot.id'] !== 'number')
      throw new AppError('internal_error', 500, 'The Observation was not created');
    return created['@iot.id'];
  }

  /**
   * Parses and registers a subscription; throws TopicError for topics we do not serve. `current` is a
   * property topic's value read before the SUBACK (see `propertyNow`); without it the value is read now.
   */
  subscribe(
    raw: string,
    principal: Principal | null,
    deliver: (payload: Buffer) => void,
    current?: string | null,
  ): StaSubscription {
    const subscription: StaSubscription = { raw, topic: parseStaTopic(raw), principal, deliver };
    if (subscription.topic.kind === 'property' && current !== undefined) subscription.last = current;
    else if (subscription.topic.kind === 'property') {
      subscription.primed = this.render(subscription.topic.path, '', principal).then(
        (json) => void (subscription.last ??= json),
        () => undefined,
      );
    }
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * What a property topic shows now (undefined: not a property topic). A broker that reads it before
   * its SUBACK compares every later change with it: a change right after the SUBACK is never taken for
   * the value at subscription time.
   */
  async propertyNow(raw: string, principal: Principal | null): Promise<string | null | undefined> {
    const topic = parseStaTopic(raw);
    return topic.kind === 'property' ? this.render(topic.path, '', principal) : undefined;
  }

  /** Subscriptions to exactly this topic (tests wait for third-party subscribers with it). */
  subscriberCount(raw: string): number {
    return [...this.subscriptions].filter((s) => s.raw === raw).length;
  }

  unsubscribe(subscription: StaSubscription): void {
    this.subscriptions.delete(subscription);
  }

  onChange(listener: (changes: StaChange[]) => void): void {
    this.changeListeners.push(listener);
  }

  /** Renders an entity (or property) as an HTTP GET by `principal` would; null when not visible. */
  async render(path: string, query: string, principal: Principal | null): Promise<string | null> {
    try {
      const response = await this.options.handler.handle({
        method: 'GET',
        path,
        query,
        body: undefined,
        contentType: undefined,
        principal,
        base: this.options.base,
        municipality: undefined,
      });
      if (response.status !== 200 || response.body === undefined) return null;
      return JSON.stringify(response.body);
    } catch (error) {
      if (isAppError(error) && (error.status === 404 || error.status === 403)) return null;
      throw error;
    }
  }

  /**
   * Several new Observations rendered as an anonymous (or `principal`'s) HTTP GET of each would render
   * them; the ones not visible are missing. A stored batch's ids are consecutive (one statement draws
   * them), so its Observations are read as id ranges, one indexed query per `maxTop` ids, with the rows
   * of other writers in between dropped here; scattered ids are asked for by `id eq` (100 per query).
   */
  async renderObservations(ids: number[], principal: Principal | null): Promise<Map<number, string>> {
    const rendered = new Map<number, string>();
    const wanted = new Set(ids);
    const sorted = [...wanted].sort((a, b) => a - b);
    const span = this.options.maxTop ?? DEFAULT_MAX_TOP;
    const filters: { filter: string; top: number }[] = [];
    const scattered: number[] = [];
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < span) j++;
      // A range pays off once it stands for several `id eq` terms.
      if (j - i + 1 >= MIN_RANGE)
        filters.push({
          filter: `id ge ${sorted[i]} and id le ${sorted[j]}`,
          top: sorted[j]! - sorted[i]! + 1,
        });
      else scattered.push(...sorted.slice(i, j + 1));
      i = j + 1;
    }
    for (let i = 0; i < scattered.length; i += 100) {
      const chunk = scattered.slice(i, i + 100);
      filters.push({ filter: chunk.map((id) => `id eq ${id}`).join(' or '), top: chunk.length });
    }
    for (const { filter, top } of filters) {
      const response = await this.options.handler.handle({
        method: 'GET',
        path: '/Observations',
        query: `$filter=${encodeURIComponent(filter)}&$top=${top}`,
        body: undefined,
        contentType: undefined,
        principal,
        base: this.options.base,
        municipality: undefined,
      });
      const value = (response.body as { value?: { '@iot.id': number }[] } | undefined)?.value ?? [];
      for (const entity of value)
        if (wanted.has(entity['@iot.id'])) rendered.set(entity['@iot.id'], JSON.stringify(entity));
    }
    return rendered;
  }

  /**
   * New Observations as an anonymous GET of each shows them, made from what was stored instead of read
   * back: the public sees those of published (Multi)Datastreams (one query per call). A value the
   * database may reshape (a JSON object: jsonb orders its keys) is read back, so every payload is exactly
   * the GET's.
   */
  async renderPublicObservations(stored: StoredObservation[]): Promise<Map<number, string>> {
    const distinctIds = (pick: (o: StoredObservation) => number | null) => [
      ...new Set(
        stored
          .map(pick)
          .filter((id): id is number => id !== null)
          .map(String),
      ),
    ];
    const [datastreams, multiDatastreams] = await Promise.all([
      this.options.publications.publishedAmong(
        'datastream',
        distinctIds((o) => o.datastreamId),
      ),
      this.options.publications.publishedAmong(
        'multi_datastream',
        distinctIds((o) => o.multiDatastreamId),
      ),
    ]);
    const rendered = new Map<number, string>();
    const readBack: number[] = [];
    for (const o of stored) {
      const visible =
        (o.datastreamId !== null && datastreams.has(String(o.datastreamId))) ||
        (o.multiDatastreamId !== null && multiDatastreams.has(String(o.multiDatastreamId)));
      if (!visible) continue;
      if (!keepsShape(o.result) || !keepsShape(o.resultQuality) || !keepsShape(o.parameters)) {
        readBack.push(o.id);
        continue;
      }
      const self = `${this.options.base}/Observations(${o.id})`;
      rendered.set(o.id, entityJsonText(MODEL.Observations, storedRow(o), self));
    }
    if (readBack.length > 0)
      for (const [id, json] of await this.renderObservations(readBack, null)) rendered.set(id, json);
    return rendered;
  }

  private dispatch(changes: StaChange[]): void {
    for (const listener of this.changeListeners) listener(changes);
    if (this.subscriptions.size === 0) return;
    const work = this.notify(changes)
      .catch((error: unknown) => this.options.log.error({ err: error }, 'MQTT notification failed'))
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  private async notify(changes: StaChange[]): Promise<void> {
    // One rendering per (resource, query, what the reader may see), however many clients share it.
    const rendered = new Map<string, Promise<string | null>>();
    for (const change of changes) {
      for (const subscription of [...this.subscriptions]) {
        const path = resourcePath(subscription.topic, change);
        if (!path) continue;
        const viewer = JSON.stringify(sensorViewer(subscription.principal));
        const renderOnce = (resource: string, query: string) => {
          const key = `${resource}?${query}#${viewer}`;
          let payload = rendered.get(key);
          if (!payload) {
            payload = this.render(resource, query, subscription.principal);
            rendered.set(key, payload);
          }
          return payload;
        };
        const navigated = navigatedEntity(subscription.topic);
        if (navigated) {
          // Datastreams(1)/Sensor: only an update of the Sensor that is there now concerns it.
          const current = await renderOnce(navigated, '$select=id');
          if (current === null || (JSON.parse(current) as { '@iot.id'?: unknown })['@iot.id'] !== change.id)
            continue;
        }
        const json = await renderOnce(path, subscription.topic.query);
        if (json === null || !this.subscriptions.has(subscription)) continue;
        if (subscription.topic.kind === 'property') {
          await subscription.primed;
          if (subscription.last === json) continue;
          subscription.last = json;
        }
        subscription.deliver(Buffer.from(json));
      }
    }
  }
}

/**
 * The resource a subscription is notified with for a change, or null when the change does not concern
 * it. Entity sets and navigation collections hear of new and of updated members; entities, entities
 * reached by navigation and properties (also of entities reached by navigation) of updates. Whether an
 * entity really lies below the parent (and is visible) is decided by rendering it; which entity a
 * navigation topic stands for, by `sameEntity`.
 */
export function resourcePath(topic: StaTopic, change: StaChange): string | null {
  if (topic.set !== change.set) return null;
  switch (topic.kind) {
    case 'collection': {
      const parent = topic.parent;
      if (parent && change.set === 'Observations') {
        const owner =
          parent.set === 'Datastreams'
            ? change.datastreamId
            : parent.set === 'MultiDatastreams'
              ? change.multiDatastreamId
              : change.featureOfInterestId;
        // Known from the stored Observation: skip the query for other streams.
        if (owner !== undefined && owner !== parent.id) return null;
      }
      return `${topic.path}(${change.id})`;
    }
    case 'related':
      return change.kind === 'updated' ? topic.path : null;
    default:
      return change.kind === 'updated' && (topic.id === change.id || topic.id === undefined)
        ? topic.path
        : null;
  }
}

/** The path of the single entity a topic reached by navigation (`Datastreams(1)/Thing`), if any. */
function navigatedEntity(topic: StaTopic): string | undefined {
  if (topic.kind === 'related') return topic.path;
  return topic.kind === 'property' ? topic.via : undefined;
}

/** A value that comes back from a jsonb column as it went in: null, a primitive or an array of them. */
function keepsShape(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.every((v) => v === null || typeof v !== 'object');
  return typeof value !== 'object';
}

/** A stored Observation as the row a read would return (the columns entityJson shows). */
function storedRow(o: StoredObservation): Row {
  const numeric = typeof o.result === 'number' && Number.isFinite(o.result);
  return {
    id: o.id,
    municipality_id: o.municipalityId,
    phenomenon_time_start: o.phenomenonTimeStart,
    phenomenon_time_end: o.phenomenonTimeEnd,
    result_time: o.resultTime,
    result_number: numeric ? o.result : null,
    result: numeric ? null : (o.result ?? null),
    result_quality: o.resultQuality ?? null,
    valid_time_start: o.validTimeStart,
    valid_time_end: o.validTimeEnd,
    parameters: o.parameters ?? null,
  };
}
