// MQTT_URL mode: the platform is a client of an external broker (e.g. Mosquitto) instead of running its
// own. Devices authenticate at that broker, so the broker decides who may publish where, and the topic
// says for which municipality: devices publish to
//   <MQTT_TOPIC_PREFIX>/<municipality slug>/v1.1/Observations
//   <MQTT_TOPIC_PREFIX>/<municipality slug>/v1.1/Datastreams(<id>)/Observations
// The broker's ACL must allow a municipality's device accounts to write only below their own slug
// (Mosquitto: `pattern write srp/%u/#` with one account per municipality, or per-device lines); the
// platform then writes with exactly that municipality's sensor-write permission, so an Observation for
// another municipality's Datastream is refused like over HTTP. All platform instances join one shared
// subscription ($share/<group>/…), so each message is stored by one of them; the PUBACK to the broker is
// sent after the commit. Rejections go to <prefix>/<slug>/errors. Notifications of what the public may
// read are published to the standard topics (v1.1/Observations, v1.1/Datastreams(1)/Observations,
// v1.1/Things, v1.1/Things(5), v1.1/Things(5)/name, v1.1/Locations(2)/Things); the broker cannot apply
// the platform's visibility, so nothing else is.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
import { MODEL, type EntitySetName } from '../entities/model.js';
import { MqttSubscriber } from './mqtt-subscriber.js';
import { isPermanentRejection, type StaChange, type StaMqtt } from './sta-mqtt.js';
import { STA_VERSION, TopicError } from './topics.js';

export interface ExternalBrokerOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  shareGroup: string;
  topicPrefix: string;
  /** Connections per instance in the shared group (each with up to RECEIVE_MAXIMUM messages in flight). */
  connections: number;
  sta: StaMqtt;
  municipalityBySlug: (slug: string) => Promise<{ id: string; slug: string; name: string } | null>;
  log: Logger;
}

/** Notifications waiting to be rendered beyond this are dropped (and counted) rather than piling up. */
const MAX_PENDING_NOTIFICATIONS = 10_000;
/** Changes rendered together (their new Observations: one publication query, see renderPublicObservations). */
const NOTIFICATION_CHUNK = 1_000;
/** Entities whose last public JSON is remembered for property topics (then forgotten all at once). */
const MAX_KNOWN_ENTITIES = 10_000;

/** The permission the broker's attribution grants: sensor writes in one municipality, nothing else. */
export function brokerPrincipal(m: { id: string; slug: string; name: string }): Principal {
  return {
    userId: `mqtt-broker:${m.slug}`,
    email: `mqtt-broker+${m.slug}@invalid`,
    displayName: `MQTT broker (${m.name})`,
    locale: 'de',
    homeMunicipalityId: m.id,
    grants: [
      {
        id: `mqtt-broker:${m.slug}`,
        role: 'building_yard',
        municipalityId: m.id,
        municipalitySlug: m.slug,
        municipalityName: m.name,
        orgUnitId: null,
      },
    ],
    method: 'api_key',
    scopes: ['sensors:write'],
    credentialMunicipalityId: m.id,
    csrfToken: null,
  };
}

/**
 * Unacknowledged messages the broker may send one connection (MQTT 5 Receive Maximum). Mosquitto takes
 * the smaller of this and its max_inflight_messages for a v5 client; all connections together bound
 * what one group commit can gather.
 */
const RECEIVE_MAXIMUM = 1_000;

export class ExternalBrokerBridge {
  private readonly clients: MqttSubscriber[] = [];
  private readonly principals = new Map<string, Principal>();
  /** Changes waiting to be rendered and published (see publishNotifications). */
  private readonly waiting: StaChange[] = [];
  /** The rendering under way, if any (idle and stop wait for it). */
  private rendering: Promise<void> | null = null;
  private dropped = 0;
  /**
   * The last public JSON of entities created or updated here (`Things(5)` → properties), so that a
   * property topic hears only of values that changed; without one every property is published.
   */
  private readonly lastPublic = new Map<string, Record<string, unknown>>();
  /** Messages handled (stored or rejected); tests and the benchmark read it. */
  handled = 0;

  /** Messages received from the broker and PUBACKs sent to it, over all connections (tests read them). */
  get deliveries(): { received: number; acknowledged: number } {
    let received = 0;
    let acknowledged = 0;
    for (const client of this.clients) {
      received += client.received;
      acknowledged += client.acked;
    }
    return { received, acknowledged };
  }

  constructor(private readonly options: ExternalBrokerOptions) {
    options.sta.onChange((changes) => this.publishNotifications(changes));
  }

  get filters(): string[] {
    const base = `${this.options.topicPrefix}/+/${STA_VERSION}`;
    const share = this.options.shareGroup ? `$share/${this.options.shareGroup}/` : '';
    return [`${share}${base}/Observations`, `${share}${base}/+/Observations`];
  }

  /** Connects and subscribes; resolves when every connection's subscription is confirmed. */
  async start(): Promise<void> {
    const { url, username, password, log, connections } = this.options;
    const instance = randomBytes(4).toString('hex');
    for (let i = 0; i < connections; i++) {
      const client: MqttSubscriber = new MqttSubscriber({
        url,
        clientId: `srp-sta-${instance}-${i}`,
        username,
        password,
        // A session that outlives a short connection loss keeps unacknowledged messages for us.
        clean: false,
        sessionExpiry: 300,
        receiveMaximum: RECEIVE_MAXIMUM,
        filters: this.filters,
        log,
        // The PUBACK goes out only after the message's group commit (or its permanent rejection).
        onMessage: (message) =>
          void this.handle(message.topic, message.payload).then(
            () => message.ack(),
            (error: unknown) => {
              log.error({ err: error, topic: message.topic }, 'MQTT observation not stored; reconnecting');
              message.retry('storage failure');
            },
          ),
      });
      this.clients.push(client);
    }
    await Promise.all(this.clients.map((c) => c.start()));
    log.info({ filters: this.filters, connections }, 'subscribed to SensorThings topics at the MQTT broker');
  }

  async stop(): Promise<void> {
    // Notifications of what was committed before the stop still go out (and read no closed database).
    await this.idle();
    await Promise.all(this.clients.map((c) => c.stop()));
    this.clients.length = 0;
  }

  private handle(topic: string, payload: Buffer): Promise<void> {
    const { topicPrefix } = this.options;
    const rest =
      topic.startsWith(topicPrefix) && topic[topicPrefix.length] === '/'
        ? topic.slice(topicPrefix.length + 1)
        : '';
    const slash = rest.indexOf('/');
    const slug = slash > 0 ? rest.slice(0, slash) : '';
    // The common case (a known municipality) goes straight into the group commit queue.
    const principal = this.principals.get(slug);
    const stored = principal
      ? this.options.sta.createFromPublish(rest.slice(slash + 1), payload, principal)
      : this.principalFor(slug).then((p) =>
          this.options.sta.createFromPublish(rest.slice(slash + 1), payload, p),
        );
    return stored.then(
      () => void this.handled++,
      (error: unknown) => this.rejected(error, topic, slug),
    );
  }

  /** A permanent rejection is reported and acknowledged; anything else stays unacknowledged. */
  private rejected(error: unknown, topic: string, slug: string): void {
    if (!isPermanentRejection(error)) throw error;
    this.handled++;
    const { topicPrefix, log } = this.options;
    const message = error instanceof Error ? error.message : String(error);
    log.info({ topic, reason: message }, 'MQTT publish rejected');
    if (slug !== '') {
      const status = error instanceof TopicError ? 400 : (error as { status?: number }).status;
      this.publish(
        `${topicPrefix}/${slug}/errors`,
        JSON.stringify({ code: status, type: 'error', topic, message }),
      );
    }
  }

  private async principalFor(slug: string): Promise<Principal> {
    let principal = this.principals.get(slug);
    if (!principal) {
      const municipality = slug ? await this.options.municipalityBySlug(slug) : null;
      if (!municipality) throw Errors.badRequest(`Unknown municipality '${slug}' in the topic`);
      principal = brokerPrincipal(municipality);
      this.principals.set(slug, principal);
    }
    return principal;
  }

  private publish(topic: string, payload: string): void {
    this.publishAll([[topic, payload]]);
  }

  private publishAll(messages: [topic: string, payload: string][]): void {
    const client = this.clients.find((c) => c.connected);
    if (!client?.publishAll(messages))
      this.options.log.debug({ messages: messages.length }, 'MQTT notifications not sent');
  }

  /**
   * Public notifications on the standard topics, rendered as an anonymous HTTP GET would. One rendering
   * at a time: notifications then never take more than one database connection from the write path
   * (50 renderings at once used to leave the next group commit waiting for a connection), and what piles
   * up meanwhile is rendered together, one query per stored batch of Observations.
   */
  private publishNotifications(changes: StaChange[]): void {
    if (this.clients.length === 0) return;
    for (const change of changes) {
      if (this.waiting.length < MAX_PENDING_NOTIFICATIONS) this.waiting.push(change);
      else if (this.dropped++ % 1000 === 0)
        this.options.log.warn(
          { dropped: this.dropped },
          'MQTT notifications dropped: rendering falls behind',
        );
    }
    if (!this.rendering && this.waiting.length > 0) this.rendering = this.renderWaiting();
  }

  /** Started with changes waiting, so it awaits before its `finally`: `rendering` is set by then. */
  private async renderWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const changes = this.waiting.splice(0, NOTIFICATION_CHUNK);
        try {
          this.publishAll(await this.render(changes));
        } catch (error) {
          this.options.log.error({ err: error }, 'MQTT notification failed');
        }
      }
    } finally {
      this.rendering = null;
    }
  }

  /** Waits until the notifications of every change so far are handed to the broker connection. */
  async idle(): Promise<void> {
    while (this.rendering) await this.rendering;
  }

  /**
   * The messages of the changes, each rendered as an anonymous GET (what the public may not see is left
   * out): new Observations from what was stored (renderPublicObservations), other changes one GET each,
   * one after the other as above (they are few: a new FeatureOfInterest, metadata, updates). Those also
   * reach the property topics (updates) and the navigation collections the entity is a member of.
   */
  private async render(changes: StaChange[]): Promise<[topic: string, payload: string][]> {
    const stored = changes.flatMap((c) => (c.observation ? [c.observation] : []));
    const observations = await this.options.sta.renderPublicObservations(stored);
    const messages: [topic: string, payload: string][] = [];
    for (const c of changes) {
      if (c.observation) {
        const json = observations.get(c.id);
        if (json !== undefined) for (const topic of notificationTopics(c)) messages.push([topic, json]);
        continue;
      }
      const json = await this.options.sta.render(`/${c.set}(${c.id})`, '', null);
      if (json === null) continue;
      for (const topic of notificationTopics(c)) messages.push([topic, json]);
      this.propertyMessages(c, json, messages);
      await this.collectionMessages(c, json, messages);
    }
    return messages;
  }

  /** `v1.1/Things(5)/name` → `{"name": …}` for each property an update changed (GET of the property). */
  private propertyMessages(change: StaChange, json: string, messages: [string, string][]): void {
    const key = `${change.set}(${change.id})`;
    const entity = JSON.parse(json) as Record<string, unknown>;
    const before = this.lastPublic.get(key);
    if (this.lastPublic.size >= MAX_KNOWN_ENTITIES) this.lastPublic.clear();
    this.lastPublic.set(key, entity);
    if (change.kind !== 'updated') return;
    for (const [name, value] of Object.entries(entity)) {
      // Links are no properties; a null property has no GET answer (204), hence no message.
      if (name.includes('@') || value === null) continue;
      const property = JSON.stringify({ [name]: value });
      if (before && JSON.stringify({ [name]: before[name] }) === property) continue;
      messages.push([`${STA_VERSION}/${key}/${name}`, property]);
    }
  }

  /**
   * The navigation collections the entity is a member of (`v1.1/Things(5)/Datastreams`,
   * `v1.1/Locations(2)/Things`), one anonymous read of the related ids. The payload is the entity's own
   * JSON, as a GET of `Things(5)/Datastreams(7)` shows it.
   */
  private async collectionMessages(change: StaChange, json: string, messages: [string, string][]) {
    const parents = memberOf(change.set);
    if (parents.length === 0) return;
    const expand = parents.map((p) => `${p.nav}($select=id)`).join(',');
    const related = await this.options.sta.render(
      `/${change.set}(${change.id})`,
      `$select=id&$expand=${expand}`,
      null,
    );
    if (related === null) return;
    const links = JSON.parse(related) as Record<
      string,
      { '@iot.id': number } | { '@iot.id': number }[] | null
    >;
    for (const { nav, set, collection } of parents) {
      const found = links[nav];
      for (const parent of Array.isArray(found) ? found : found ? [found] : [])
        messages.push([`${STA_VERSION}/${set}(${parent['@iot.id']})/${collection}`, json]);
    }
  }
}

/**
 * The navigation collections an entity of `set` can be a member of: for each navigation property of
 * the set, the collection of the related entity that leads back (Datastream → Thing → `Datastreams`).
 */
function memberOf(set: EntitySetName): { nav: string; set: EntitySetName; collection: string }[] {
  return MODEL[set].navs.flatMap((nav) => {
    const back = MODEL[nav.target].navs.find((n) => n.target === set && n.many);
    return back ? [{ nav: nav.name, set: nav.target, collection: back.name }] : [];
  });
}

/** The standard topics a change is announced on: the entity set hears of new and of updated entities. */
function notificationTopics(change: StaChange): string[] {
  if (change.kind === 'updated')
    return [`${STA_VERSION}/${change.set}(${change.id})`, `${STA_VERSION}/${change.set}`];
  const topics = [`${STA_VERSION}/${change.set}`];
  if (change.datastreamId) topics.push(`${STA_VERSION}/Datastreams(${change.datastreamId})/Observations`);
  if (change.multiDatastreamId)
    topics.push(`${STA_VERSION}/MultiDatastreams(${change.multiDatastreamId})/Observations`);
  return topics;
}
