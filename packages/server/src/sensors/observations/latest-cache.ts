// Finished answers of GET /api/sensors/latest, kept in memory per (selection, visibility) until the data
// behind them changes. The dashboard polls this endpoint from every open page; the answer for a
// municipality is the same bytes for every anonymous reader, so building it once per change instead of
// once per request is what lets one instance serve thousands of requests per second.
//
// Correct with several server instances: migration 0009 makes every statement that changes sensor_latest,
// sensor_datastreams or publications NOTIFY 'sensor_latest', which PostgreSQL delivers to every listening
// instance after the commit. Each notification (and, without waiting for it, each local 'stored' event)
// advances a generation counter; an answer is served only while its generation is current. The
// generation is read before the query runs, so an answer that raced with a commit is already outdated
// when it lands. While the LISTEN connection is down, nothing is cached (every request queries).
// Readers on other instances may see a change a few milliseconds late (the notification's trip), well
// within the max-age the public answer carries anyway.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { DatabaseHandle } from '../../core/db/database.js';
import type { TimeseriesRepository, Visibility } from './timeseries.repository.js';

const gzipAsync = promisify(gzip);

/** Datastream ids (and MultiDatastream ids), or everything of one municipality (both kinds). */
export type LatestSelection = { ids: number[]; multiIds?: number[] } | { municipalityId: string };

export interface LatestAnswer {
  body: Buffer;
  /** Strong ETag of `body`. */
  etag: string;
  modified: Date | null;
  /** `modified` as an HTTP date, formatted once per answer rather than once per request. */
  lastModified: string | null;
  /** The gzip representation, made on first demand. */
  gzipped?: Promise<{ body: Buffer; etag: string }>;
}

interface Entry {
  generation: number;
  answer: Promise<LatestAnswer>;
  bytes: number;
}

export const LATEST_CHANNEL = 'sensor_latest';
const MAX_ENTRIES = 10_000;

export class LatestValuesCache {
  #generation = 0;
  #live = false;
  #entries = new Map<string, Entry>();
  #bytes = 0;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly timeseries: TimeseriesRepository,
    /** Upper bound of the bodies kept; the oldest entries go first. */
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Starts listening for changes; until then (or if it fails) nothing is cached. */
  async start(database: DatabaseHandle): Promise<void> {
    this.#unlisten = await database.listen(LATEST_CHANNEL, {
      notify: () => this.invalidate(),
      live: (live) => {
        this.invalidate();
        this.#live = live;
      },
    });
  }

  async stop(): Promise<void> {
    this.#live = false;
    await this.#unlisten?.();
    this.#unlisten = null;
    this.invalidate();
  }

  /** Advances with every change seen (tests use it to tell other writers' changes apart). */
  get generation(): number {
    return this.#generation;
  }

  /** Everything cached so far is outdated. */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** The answer for this reader, from the cache when it is current. */
  get(selection: LatestSelection, visibility: Visibility): Promise<LatestAnswer> {
    if (!this.#live) return this.#build(selection, visibility);
    const key = cacheKey(selection, visibility);
    const cached = this.#entries.get(key);
    if (cached && cached.generation === this.#generation) return cached.answer;
    const generation = this.#generation;
    const answer = this.#build(selection, visibility);
    // Concurrent readers of the same key share this one query.
    const entry: Entry = { generation, answer, bytes: 0 };
    this.#entries.set(key, entry);
    answer.then(
      (a) => {
        if (this.#entries.get(key) !== entry) return;
        entry.bytes = a.body.length;
        this.#bytes += entry.bytes;
        this.#evict();
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return answer;
  }

  /** The gzip form of an answer (computed once per answer). */
  gzipped(answer: LatestAnswer): Promise<{ body: Buffer; etag: string }> {
    answer.gzipped ??= gzipAsync(answer.body).then((body) => ({
      body,
      etag: `${answer.etag.slice(0, -1)}-gz"`,
    }));
    return answer.gzipped;
  }

  async #build(selection: LatestSelection, visibility: Visibility): Promise<LatestAnswer> {
    const multi = 'ids' in selection ? (selection.multiIds ?? []) : null;
    const single =
      'ids' in selection && selection.ids.length === 0 && multi!.length > 0
        ? { json: '[]', modified: null }
        : await this.timeseries.latestJson(selection, visibility);
    // MultiDatastreams only when asked for (or for a whole municipality): other answers keep their bytes.
    const multiple =
      multi === null
        ? await this.timeseries.multiLatestJson(selection, visibility)
        : multi.length > 0
          ? await this.timeseries.multiLatestJson({ ids: multi }, visibility)
          : null;
    const body = Buffer.from(
      multiple
        ? `{"datastreams":${single.json},"multiDatastreams":${multiple.json}}`
        : `{"datastreams":${single.json}}`,
    );
    const modified = [single.modified, multiple?.modified ?? null].reduce<Date | null>(
      (a, b) => (a === null || (b !== null && b > a) ? b : a),
      null,
    );
    return {
      body,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      modified,
      lastModified: modified ? modified.toUTCString() : null,
    };
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= MAX_ENTRIES) break;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}

function cacheKey(selection: LatestSelection, visibility: Visibility): string {
  const who = visibility === 'all' ? '*' : [...visibility.municipalities].sort().join(',');
  const what =
    'ids' in selection
      ? `i:${[...selection.ids].sort((a, b) => a - b).join(',')}` +
        `/${[...(selection.multiIds ?? [])].sort((a, b) => a - b).join(',')}`
      : `m:${selection.municipalityId}`;
  return `${what}|${who}`;
}
