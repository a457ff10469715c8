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
// v1.1/Things, v1.1/Things(5)); the broker cannot apply the platform's visibility, so nothing else is.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
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
  private rendering = false;
  private dropped = 0;
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
              client.reconnect('storage failure');
            },
          ),
      });
      this.clients.push(client);
    }
    await Promise.all(this.clients.map((c) => c.start()));
    log.info({ filters: this.filters, connections }, 'subscribed to SensorThings topics at the MQTT broker');
  }

  async stop(): Promise<void> {
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
    if (!this.rendering) void this.renderWaiting();
  }

  private async renderWaiting(): Promise<void> {
    this.rendering = true;
    try {
      while (this.waiting.length > 0) {
        const changes = this.waiting.splice(0, NOTIFICATION_CHUNK);
        try {
          const rendered = await this.render(changes);
          const messages: [topic: string, payload: string][] = [];
          changes.forEach((change, i) => {
            const json = rendered[i];
            if (json !== undefined)
              for (const topic of notificationTopics(change)) messages.push([topic, json]);
          });
          this.publishAll(messages);
        } catch (error) {
          this.options.log.error({ err: error }, 'MQTT notification failed');
        }
      }
    } finally {
      this.rendering = false;
    }
  }

  /**
   * The JSON of each change (undefined: not visible to the public): new Observations from what was stored
   * (renderPublicObservations), other changes one GET each, one after the other as above (they are few: a
   * new FeatureOfInterest, updates).
   */
  private async render(changes: StaChange[]): Promise<(string | undefined)[]> {
    const stored = changes.flatMap((c) => (c.observation ? [c.observation] : []));
    const observations = await this.options.sta.renderPublicObservations(stored);
    const rendered: (string | undefined)[] = [];
    for (const c of changes)
      rendered.push(
        c.observation
          ? observations.get(c.id)
          : ((await this.options.sta.render(`/${c.set}(${c.id})`, '', null)) ?? undefined),
      );
    return rendered;
  }
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
