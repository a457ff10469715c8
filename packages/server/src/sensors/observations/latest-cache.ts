// Finished answers of GET /api/sensors/latest, kept in memory per (selection, visibility) and brought up
// to date with what changed. The dashboard polls this endpoint from every open page; the answer for a
// municipality is the same bytes for every anonymous reader, so building it once per change instead of
// once per request is what lets one instance serve thousands of requests per second.
//
// While sensors report, some Datastream changes every few seconds. Rebuilding the whole answer then would
// cost its full query each time (about 30 ms for 10,000 Datastreams), so an answer keeps one JSON object
// per Datastream and a change re-reads only the Datastreams it names.
//
// Correct with several server instances: migrations 0009 and 0032 make every statement that changes
// sensor_latest, sensor_multi_latest, the streams' unit or municipality, or publications NOTIFY
// 'sensor_latest', which PostgreSQL delivers to every listening instance after the commit. The payload
// names the Datastreams whose latest value changed (`d:1,2,3`) or the MultiDatastreams (`m:…`); anything
// else (an empty payload: streams added, removed, published) makes every answer be built anew. Changed
// ids are collected per answer and read before the answer is served next; a change that arrives while
// they are read is read at the next request. While the LISTEN connection is down, nothing is cached
// (every request queries). Readers on other instances may see a change a few milliseconds late (the
// notification's trip), well within the max-age the public answer carries anyway.
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

/** What an answer is made of, kept to bring it up to date. */
interface Parts {
  /** The Datastreams' ids in answer order, and the JSON object of each. */
  ids: number[];
  objects: Map<number, string>;
  /** The MultiDatastreams' JSON array, or null when the answer has none. */
  multi: string | null;
  modified: Date | null;
  answer: LatestAnswer;
}

interface Entry {
  selection: LatestSelection;
  visibility: Visibility;
  generation: number;
  /** The newest parts; an update waits for the one before it. */
  parts: Promise<Parts>;
  /** The objects of the answer's Datastreams, once built (until then every changed id is collected). */
  objects: Map<number, string> | null;
  /** Changed since `parts` was started. */
  dirty: Set<number>;
  multiDirty: boolean;
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
      notify: (payload) => this.#changedByPayload(payload),
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

  /** Advances whenever every answer has to be built anew (tests use it to tell such changes apart). */
  get generation(): number {
    return this.#generation;
  }

  /** Everything cached so far is outdated. */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** The latest values of these Datastreams and MultiDatastreams changed (committed). */
  changed(datastreamIds: Iterable<number>, multiDatastreamIds: Iterable<number> = []): void {
    const ids = [...datastreamIds];
    const multi = [...multiDatastreamIds].length > 0;
    for (const entry of this.#entries.values()) {
      for (const id of ids) if (!entry.objects || entry.objects.has(id)) entry.dirty.add(id);
      if (multi) entry.multiDirty = true;
    }
  }

  #changedByPayload(payload: string): void {
    const ids = (list: string) => list.split(',').map(Number);
    if (/^d:\d+(,\d+)*$/.test(payload)) this.changed(ids(payload.slice(2)));
    else if (/^m:\d+(,\d+)*$/.test(payload)) this.changed([], ids(payload.slice(2)));
    else this.invalidate();
  }

  /** The answer for this reader, from the cache when it is current. */
  async get(selection: LatestSelection, visibility: Visibility): Promise<LatestAnswer> {
    if (!this.#live) return (await this.#build(selection, visibility)).answer;
    const key = cacheKey(selection, visibility);
    const cached = this.#entries.get(key);
    if (cached && cached.generation === this.#generation) {
      if (cached.dirty.size > 0 || cached.multiDirty) this.#update(key, cached);
      return (await cached.parts).answer;
    }
    // Concurrent readers of the same key share this one query.
    const entry: Entry = {
      selection,
      visibility,
      generation: this.#generation,
      parts: this.#build(selection, visibility),
      objects: null,
      dirty: new Set(),
      multiDirty: false,
      bytes: 0,
    };
    this.#entries.set(key, entry);
    this.#settle(key, entry);
    return (await entry.parts).answer;
  }

  /** The gzip form of an answer (computed once per answer). */
  gzipped(answer: LatestAnswer): Promise<{ body: Buffer; etag: string }> {
    answer.gzipped ??= gzipAsync(answer.body).then((body) => ({
      body,
      etag: `${answer.etag.slice(0, -1)}-gz"`,
    }));
    return answer.gzipped;
  }

  /** Reads what changed since the entry's newest parts, after them (so updates apply in order). */
  #update(key: string, entry: Entry): void {
    const changed = [...entry.dirty];
    const multi = entry.multiDirty;
    entry.dirty = new Set();
    entry.multiDirty = false;
    entry.parts = entry.parts.then(async (parts) => {
      const [rows, multiple] = await Promise.all([
        changed.length > 0 ? this.timeseries.latestLines(entry.selection, entry.visibility, changed) : null,
        multi && parts.multi !== null ? this.#multi(entry.selection, entry.visibility) : null,
      ]);
      if (rows) for (const [id, object] of objectsOf(rows.lines)) parts.objects.set(id, object);
      return answerOf(
        parts.ids,
        parts.objects,
        multiple ? multiple.json : parts.multi,
        latest(parts.modified, rows?.modified ?? null, multiple?.modified ?? null),
      );
    });
    this.#settle(key, entry);
  }

  /** Counts the bytes of an entry's parts once built; forgets the entry if they fail. */
  #settle(key: string, entry: Entry): void {
    const parts = entry.parts;
    parts.then(
      (built) => {
        if (this.#entries.get(key) !== entry || entry.parts !== parts) return;
        entry.objects ??= built.objects;
        this.#bytes += built.answer.body.length - entry.bytes;
        entry.bytes = built.answer.body.length;
        this.#evict();
      },
      () => {
        if (this.#entries.get(key) === entry) {
          this.#entries.delete(key);
          this.#bytes -= entry.bytes;
        }
      },
    );
  }

  async #build(selection: LatestSelection, visibility: Visibility): Promise<Parts> {
    const multiIds = 'ids' in selection ? (selection.multiIds ?? []) : null;
    const [single, multiple] = await Promise.all([
      'ids' in selection && selection.ids.length === 0
        ? { lines: '', modified: null }
        : this.timeseries.latestLines(selection, visibility),
      // MultiDatastreams only when asked for (or for a whole municipality): other answers keep their bytes.
      multiIds === null || multiIds.length > 0 ? this.#multi(selection, visibility) : null,
    ]);
    const objects = new Map(objectsOf(single.lines));
    return answerOf(
      [...objects.keys()],
      objects,
      multiple?.json ?? null,
      latest(single.modified, multiple?.modified ?? null),
    );
  }

  #multi(selection: LatestSelection, visibility: Visibility) {
    return this.timeseries.multiLatestJson(
      'ids' in selection ? { ids: selection.multiIds ?? [] } : selection,
      visibility,
    );
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= MAX_ENTRIES) break;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}

/** The `<id>TAB<object>` lines of TimeseriesRepository.latestLines, in their order. */
function* objectsOf(lines: string): Generator<[number, string]> {
  if (lines === '') return;
  for (const line of lines.split('\n')) {
    const tab = line.indexOf('\t');
    yield [Number(line.slice(0, tab)), line.slice(tab + 1)];
  }
}

function answerOf(
  ids: number[],
  objects: Map<number, string>,
  multi: string | null,
  modified: Date | null,
): Parts {
  const datastreams = ids.map((id) => objects.get(id)).join(',');
  const body = Buffer.from(
    multi !== null
      ? `{"datastreams":[${datastreams}],"multiDatastreams":${multi}}`
      : `{"datastreams":[${datastreams}]}`,
  );
  const answer: LatestAnswer = {
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    modified,
    lastModified: modified ? modified.toUTCString() : null,
  };
  return { ids, objects, multi, modified, answer };
}

function latest(...dates: (Date | null)[]): Date | null {
  return dates.reduce<Date | null>((a, b) => (a === null || (b !== null && b > a) ? b : a), null);
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
