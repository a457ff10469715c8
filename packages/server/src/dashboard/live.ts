// Live values for the public dashboard over Server-Sent Events. One listener on the observation
// service's `stored` event per process; per stored batch one query keeps only published Datastreams,
// then each connected client gets the values it asked for (by municipality and/or Datastream ids).
import type { ServerResponse } from 'node:http';
import type { LiveObservation } from '@srp/contracts';
import type { Database } from '../core/db/database.js';
import type { ObservationService } from '../sensors/observations/observation.service.js';
import type { StoredObservation } from '../sensors/observations/observation.types.js';
import { DashboardRepository } from './dashboard.repository.js';

export interface LiveFilter {
  municipalityIds: ReadonlySet<string> | null;
  datastreamIds: ReadonlySet<number> | null;
}

interface Client {
  response: ServerResponse;
  filter: LiveFilter;
}

/** Keeps proxies from closing a quiet stream and lets the server notice clients that went away. */
const HEARTBEAT_MS = 25_000;

export class LiveHub {
  readonly #clients = new Set<Client>();
  readonly #repository: DashboardRepository;
  readonly #onStored = (observations: StoredObservation[]) => {
    this.broadcast(observations).catch(() => {
      // A failed lookup only means these values are not pushed; clients still poll on reconnect.
    });
  };
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(
    db: Database,
    private readonly observations: ObservationService,
  ) {
    this.#repository = new DashboardRepository(db);
  }

  get size(): number {
    return this.#clients.size;
  }

  add(response: ServerResponse, filter: LiveFilter): void {
    if (this.#clients.size === 0) {
      this.observations.events.on('stored', this.#onStored);
      this.#heartbeat = setInterval(() => this.#send(': heartbeat\n\n'), HEARTBEAT_MS);
      this.#heartbeat.unref();
    }
    const client = { response, filter };
    this.#clients.add(client);
    response.on('close', () => this.#remove(client));
  }

  /** Ends every stream (platform shutdown). */
  closeAll(): void {
    for (const client of [...this.#clients]) {
      client.response.end();
      this.#remove(client);
    }
  }

  async broadcast(observations: readonly StoredObservation[]): Promise<void> {
    if (this.#clients.size === 0) return;
    const candidates = [
      ...new Set(observations.flatMap((o) => (o.datastreamId === null ? [] : [o.datastreamId]))),
    ];
    const published = await this.#repository.publishedAmong(candidates);
    // Only the newest value per Datastream of this batch (a back-fill batch can hold thousands).
    const newest = new Map<number, { municipalityId: string; message: LiveObservation; at: number }>();
    for (const o of observations) {
      if (o.datastreamId === null) continue;
      const municipalityId = published.get(o.datastreamId);
      if (!municipalityId) continue;
      const at = o.phenomenonTimeStart.getTime();
      const known = newest.get(o.datastreamId);
      if (known && known.at >= at) continue;
      newest.set(o.datastreamId, {
        municipalityId,
        at,
        message: { id: o.datastreamId, time: o.phenomenonTimeStart.toISOString(), value: o.result },
      });
    }
    if (newest.size === 0) return;
    for (const client of this.#clients) {
      const { municipalityIds, datastreamIds } = client.filter;
      const values = [...newest.values()]
        .filter((v) => municipalityIds === null || municipalityIds.has(v.municipalityId))
        .filter((v) => datastreamIds === null || datastreamIds.has(v.message.id))
        .map((v) => v.message);
      if (values.length > 0)
        client.response.write(`event: observations\ndata: ${JSON.stringify(values)}\n\n`);
    }
  }

  #send(text: string): void {
    for (const client of this.#clients) client.response.write(text);
  }

  #remove(client: Client): void {
    if (!this.#clients.delete(client)) return;
    if (this.#clients.size === 0) {
      this.observations.events.off('stored', this.#onStored);
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      this.#heartbeat = null;
    }
  }
}
