// $batch executor and its JSON format (OData 4.01 JSON batch, as SensorThings 1.1 refers to it):
// requests run in order; requests sharing an atomicityGroup form a change set that runs in one
// transaction and is rolled back as a whole when one of them fails. "$<id>" at the start of a URL, or
// as the "@iot.id" of a linked entity in a body, refers to the entity created by an earlier request of
// the batch. The multipart/mixed format (multipart.ts) is parsed into the same items and run here too.
import type { Database } from '../../core/db/database.js';
import type { AppError } from '../../core/errors.js';
import { Errors } from '../../core/errors.js';
import { toAppError } from '../../core/http/error-handler.js';
import type { WriteContext } from '../entities/entity.service.js';
import type { StaHandler, StaRequest, StaResponse } from './handler.js';

export interface BatchItem {
  id: string;
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  atomicityGroup?: string;
  dependsOn?: string[];
  /** Set when the item's body could not be read; the item then fails with 400 on its own. */
  bodyError?: string;
}

export interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  /** The created entity's URL, also outside `headers` as FROST-Server's JSON batch answers carry it. */
  location?: string;
  body?: unknown;
  atomicityGroup?: string;
}

const bad = (message: string) => Errors.badRequest(message);

function parseItems(body: unknown): BatchItem[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { requests?: unknown }).requests))
    throw bad('A JSON batch is {"requests": [...]}');
  const seen = new Set<string>();
  return (body as { requests: unknown[] }).requests.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw bad(`Batch request ${i} is not an object`);
    const r = raw as Record<string, unknown>;
    const id = typeof r.id === 'string' ? r.id : String(i + 1);
    if (seen.has(id)) throw bad(`Batch request id ${id} is used twice`);
    seen.add(id);
    if (typeof r.method !== 'string' || typeof r.url !== 'string')
      throw bad(`Batch request ${id} needs method and url`);
    return {
      id,
      method: r.method.toUpperCase(),
      url: r.url,
      body: r.body,
      ...(typeof r.headers === 'object' && r.headers !== null
        ? { headers: r.headers as Record<string, string> }
        : {}),
      ...(typeof r.atomicityGroup === 'string' ? { atomicityGroup: r.atomicityGroup } : {}),
      ...(Array.isArray(r.dependsOn) ? { dependsOn: r.dependsOn.map(String) } : {}),
    };
  });
}

const errorBody = (e: AppError) => ({ code: e.status, type: 'error', message: e.message });

/** Replaces {"@iot.id": "$<id>"} in a body by the id of the entity request <id> created. */
function resolveBodyReferences(body: unknown, idOf: (ref: string) => number | string | undefined): unknown {
  if (Array.isArray(body)) return body.map((v) => resolveBodyReferences(v, idOf));
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const ref = k === '@iot.id' && typeof v === 'string' ? /^\$([\w-]+)$/.exec(v) : null;
    if (ref) {
      const id = idOf(ref[1]!);
      if (id === undefined) throw bad(`Batch body refers to $${ref[1]}, which created nothing`);
      out[k] = id;
    } else out[k] = resolveBodyReferences(v, idOf);
  }
  return out;
}

export async function runBatch(
  handler: StaHandler,
  db: Database,
  request: StaRequest,
  announce: (w: WriteContext) => void,
): Promise<StaResponse> {
  const responses = await executeBatch(handler, db, request, parseItems(request.body), announce);
  return { status: 200, body: { responses } };
}

/** Runs the items in order; answers one response per item, in the items' order. */
export async function executeBatch(
  handler: StaHandler,
  db: Database,
  request: StaRequest,
  items: BatchItem[],
  announce: (w: WriteContext) => void,
): Promise<BatchResponse[]> {
  const responses: BatchResponse[] = [];
  const locations = new Map<string, string>();
  const failed = new Set<string>();

  const idOf = (ref: string) => {
    const m = /\(([^()]+)\)$/.exec(locations.get(ref) ?? '');
    if (!m) return undefined;
    const raw = m[1]!.replace(/^'(.*)'$/, '$1');
    return /^\d+$/.test(raw) ? Number(raw) : raw;
  };
  const toRequest = (item: BatchItem): StaRequest => {
    if (item.bodyError !== undefined) throw bad(`Batch request ${item.id}: ${item.bodyError}`);
    let url = item.url;
    const ref = /^\$([\w-]+)(.*)$/.exec(url);
    if (ref) {
      const location = locations.get(ref[1]!);
      if (!location) throw bad(`Batch request ${item.id} refers to $${ref[1]}, which created nothing`);
      url = location + ref[2]!;
    }
    if (url.startsWith(request.base)) url = url.slice(request.base.length);
    url = url.replace(/^(https?:\/\/[^/]+)?\/sta\/v1\.1/, '');
    const q = url.indexOf('?');
    // "/v1.1/Things" (a path from the host root of another deployment's layout) → "Things".
    const path = (q < 0 ? url : url.slice(0, q)).replace(
      /^(https?:\/\/[^/]+)?(\/[^?()$]*?)?\/v1\.[01](?=\/|$)/,
      '',
    );
    const contentType = Object.entries(item.headers ?? {}).find(
      ([k]) => k.toLowerCase() === 'content-type',
    )?.[1];
    return {
      ...request,
      method: item.method,
      path: path.replace(/^\/?/, '/'),
      query: q < 0 ? '' : url.slice(q + 1),
      body: resolveBodyReferences(item.body, idOf),
      contentType: contentType ?? 'application/json',
    };
  };

  const answer = (item: BatchItem, res: StaResponse): BatchResponse => {
    if (res.headers?.location) locations.set(item.id, res.headers.location);
    return {
      id: item.id,
      status: res.status,
      ...(res.headers ? { headers: res.headers } : {}),
      ...(res.headers?.location ? { location: res.headers.location } : {}),
      ...(res.body !== undefined ? { body: res.body } : res.text !== undefined ? { body: res.text } : {}),
      ...(item.atomicityGroup ? { atomicityGroup: item.atomicityGroup } : {}),
    };
  };
  const failure = (item: BatchItem, error: unknown): BatchResponse => {
    const e = toAppError(error);
    if (!e) throw error instanceof Error ? error : new Error(String(error));
    return {
      id: item.id,
      status: e.status,
      body: errorBody(e),
      ...(item.atomicityGroup ? { atomicityGroup: item.atomicityGroup } : {}),
    };
  };

  for (let i = 0; i < items.length;) {
    const item = items[i]!;
    const group = item.atomicityGroup
      ? items
          .slice(i)
          .filter(
            (x, k) =>
              x.atomicityGroup === item.atomicityGroup &&
              items.slice(i, i + k + 1).every((y) => y.atomicityGroup === item.atomicityGroup),
          )
      : [item];
    i += group.length;
    const blocked = group.some((g) => (g.dependsOn ?? []).some((d) => failed.has(d)));
    if (blocked) {
      for (const g of group) {
        failed.add(g.id);
        responses.push({
          id: g.id,
          status: 424,
          body: { code: 424, type: 'error', message: 'A request this depends on failed' },
        });
      }
      continue;
    }
    if (!item.atomicityGroup) {
      try {
        const res = await handler.handle(toRequest(item), db);
        responses.push(answer(item, res));
        if (res.status >= 400) failed.add(item.id);
      } catch (error) {
        failed.add(item.id);
        responses.push(failure(item, error));
      }
      continue;
    }
    // A change set: all or nothing.
    const deferred: WriteContext[] = [];
    const results: BatchResponse[] = [];
    let failedAt: { item: BatchItem; error: unknown } | undefined;
    try {
      await db.transaction().execute(async (trx) => {
        for (const g of group) {
          try {
            results.push(answer(g, await handler.handle(toRequest(g), trx, deferred)));
          } catch (error) {
            failedAt = { item: g, error };
            throw error;
          }
        }
      });
      for (const w of deferred) announce(w);
      responses.push(...results);
    } catch (error) {
      const culprit = failedAt ?? { item: group[0]!, error };
      for (const g of group) {
        failed.add(g.id);
        locations.delete(g.id);
        responses.push(
          g === culprit.item
            ? failure(g, culprit.error)
            : {
                id: g.id,
                status: 424,
                atomicityGroup: g.atomicityGroup!,
                body: { code: 424, type: 'error', message: 'The change set was rolled back' },
              },
        );
      }
    }
  }
  return responses;
}
