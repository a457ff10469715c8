// The multipart/mixed $batch format of OData 4.0 (Part 1 §11.7), which SensorThings 1.1 (18-088 §11.2)
// uses in its examples: each part is an HTTP request (Content-Type: application/http); a part of type
// multipart/mixed is a change set whose requests carry a Content-ID and run atomically. The body is
// parsed into the items of the JSON format and run by the same executor (batch.ts), so both formats
// behave alike; the answers are written back as multipart/mixed.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Errors } from '../../core/errors.js';
import type { BatchItem, BatchResponse } from './batch.js';

const bad = (message: string) => Errors.badRequest(`Malformed multipart batch: ${message}`);

/** More parts than this is an attack or a mistake; the JSON format has the same practical bound. */
export const MAX_BATCH_PARTS = 1000;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

export function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\/mixed\s*(;|$)/i.test(contentType ?? '');
}

/** The boundary parameter of a multipart/mixed content type (quoted or not), checked per RFC 2046. */
export function boundaryOf(contentType: string | undefined): string {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw bad('the content type has no boundary');
  if (boundary.length > 70 || !/^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary))
    throw bad('invalid boundary');
  return boundary;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Splits a body (lines ended by CRLF or LF) into the parts between "--boundary" lines. */
function splitParts(text: string, boundary: string): string[] {
  const lines = text.split(/\r?\n/);
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const raw of lines) {
    // Transport padding (spaces, tabs) may follow a delimiter.
    const line = raw.startsWith(delimiter) ? raw.replace(/[ \t]+$/, '') : raw;
    if (line === delimiter || line === `${delimiter}--`) {
      if (current) parts.push(current.join('\n'));
      if (parts.length > MAX_BATCH_PARTS) throw bad(`more than ${MAX_BATCH_PARTS} parts`);
      if (line !== delimiter) return parts; // the close delimiter; an epilogue after it is ignored
      current = [];
    } else if (current) current.push(raw);
    // Lines before the first delimiter are the preamble and ignored.
  }
  if (!current) throw bad(`no part starts with "--${boundary}"`);
  throw bad(`the closing "--${boundary}--" is missing (truncated body?)`);
}

/** Header lines up to the first empty line, then the rest as body. */
function headersAndBody(text: string, what: string): Part {
  const lines = text.split('\n');
  const headers = new Map<string, string>();
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`${what} has a malformed header line`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (i >= lines.length) throw bad(`${what} has no empty line after its headers`);
  return { headers, body: lines.slice(i + 1).join('\n') };
}

/** One application/http part: request line, headers, body. */
function parseRequest(part: Part, id: string, atomicityGroup: string | undefined): BatchItem {
  const type = part.headers.get('content-type') ?? '';
  if (!/^application\/http\s*(;|$)/i.test(type)) throw bad(`part ${id} is not application/http`);
  const http = part.body.replace(/^\n+/, '');
  const lineEnd = http.indexOf('\n');
  const requestLine = (lineEnd < 0 ? http : http.slice(0, lineEnd)).trim();
  const m = /^([A-Za-z]+) (\S+)(?: HTTP\/\d(?:\.\d)?)?$/.exec(requestLine);
  if (!m) throw bad(`part ${id} has no request line "METHOD url HTTP/1.1"`);
  const method = m[1]!.toUpperCase();
  if (!METHODS.has(method)) throw bad(`part ${id}: method ${m[1]} is not supported`);
  const inner = headersAndBody(lineEnd < 0 ? '' : http.slice(lineEnd + 1), `request ${id}`);
  const headers = Object.fromEntries(inner.headers);
  // The Content-ID may also be given among the request's own headers.
  const contentId = part.headers.get('content-id') ?? inner.headers.get('content-id');
  const item: BatchItem = {
    id: contentId ?? id,
    method,
    url: m[2]!,
    headers,
    ...(atomicityGroup ? { atomicityGroup } : {}),
  };
  const text = inner.body.trim();
  if (text === '') return item;
  const contentType = inner.headers.get('content-type') ?? 'application/json';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType))
    return { ...item, bodyError: `content type ${contentType} is not supported` };
  try {
    return { ...item, body: JSON.parse(text) as unknown };
  } catch {
    return { ...item, bodyError: 'the body is not valid JSON' };
  }
}

export interface MultipartBatch {
  items: BatchItem[];
  /** Content-IDs as the client gave them (by item id), to echo them in the answers. */
  contentIds: Map<string, string>;
}

/** Parses a multipart/mixed batch into the executor's items; change sets become atomicity groups. */
export function parseMultipart(contentType: string | undefined, body: string): MultipartBatch {
  const items: BatchItem[] = [];
  const contentIds = new Map<string, string>();
  // Item ids that cannot be referenced by "$<id>" unless the client gave a Content-ID.
  let counter = 0;
  const anonymous = () => `#${++counter}`;
  const add = (item: BatchItem, contentId: string | undefined) => {
    if (items.length >= MAX_BATCH_PARTS) throw bad(`more than ${MAX_BATCH_PARTS} requests`);
    if (contentId !== undefined) contentIds.set(item.id, contentId);
    items.push(item);
  };
  let changesets = 0;
  for (const raw of splitParts(body, boundaryOf(contentType))) {
    const part = headersAndBody(raw.replace(/^\n*/, ''), 'a part');
    const type = part.headers.get('content-type') ?? '';
    if (isMultipart(type)) {
      const group = `changeset ${++changesets}`;
      const seen = new Set<string>();
      const requests = splitParts(part.body, boundaryOf(type));
      if (requests.length === 0) continue;
      for (const r of requests) {
        const inner = headersAndBody(r.replace(/^\n*/, ''), `a part of ${group}`);
        if (isMultipart(inner.headers.get('content-type'))) throw bad('change sets cannot be nested');
        const item = parseRequest(inner, anonymous(), group);
        const contentId = inner.headers.get('content-id');
        if (contentId !== undefined) {
          if (seen.has(contentId)) throw bad(`Content-ID ${contentId} is used twice in a change set`);
          seen.add(contentId);
        }
        add(item, contentId);
      }
    } else {
      // OData 4.0 wants changes inside change sets; a change outside one still runs in its own
      // transaction (as every single request does).
      add(parseRequest(part, anonymous(), undefined), part.headers.get('content-id'));
    }
  }
  return { items, contentIds };
}

const CRLF = '\r\n';

function httpResponse(res: BatchResponse): string {
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? 'Unknown'}`];
  for (const [k, v] of Object.entries(res.headers ?? {})) {
    if (k.toLowerCase() !== 'content-type') lines.push(`${headerName(k)}: ${v}`);
  }
  let body = '';
  if (typeof res.body === 'string') {
    lines.push('Content-Type: text/plain; charset=utf-8');
    body = res.body;
  } else if (res.body !== undefined) {
    lines.push('Content-Type: application/json; charset=utf-8');
    body = JSON.stringify(res.body);
  }
  return lines.join(CRLF) + CRLF + CRLF + body;
}

const headerName = (k: string) =>
  k.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function partOf(res: BatchResponse, contentId: string | undefined): string {
  const headers = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId !== undefined) headers.push(`Content-ID: ${contentId}`);
  return headers.join(CRLF) + CRLF + CRLF + httpResponse(res) + CRLF;
}

/** The multipart/mixed answer: one application/http part per request, a nested multipart per change
 * set that succeeded, and for a change set that failed only the failing request's answer (OData 4.0). */
export function renderMultipart(
  batch: MultipartBatch,
  responses: BatchResponse[],
): { contentType: string; body: string } {
  const boundary = `batchresponse_${randomUUID()}`;
  const out: string[] = [];
  for (let i = 0; i < batch.items.length;) {
    const item = batch.items[i]!;
    let n = 1;
    while (
      item.atomicityGroup !== undefined &&
      i + n < batch.items.length &&
      batch.items[i + n]!.atomicityGroup === item.atomicityGroup
    )
      n++;
    const group = batch.items.slice(i, i + n);
    const answers = responses.slice(i, i + n);
    i += n;
    const contentId = (x: BatchItem) => batch.contentIds.get(x.id);
    const isChangeset = item.atomicityGroup !== undefined;
    const failedAt = answers.findIndex((r) => r.status >= 400 && r.status !== 424);
    const failed = failedAt >= 0 ? failedAt : answers.findIndex((r) => r.status >= 400);
    if (!isChangeset || failed >= 0) {
      const k = Math.max(failed, 0);
      out.push(`--${boundary}${CRLF}${partOf(answers[k]!, contentId(group[k]!))}`);
      continue;
    }
    const inner = `changesetresponse_${randomUUID()}`;
    out.push(
      `--${boundary}${CRLF}Content-Type: multipart/mixed; boundary=${inner}${CRLF}${CRLF}` +
        group.map((g, k) => `--${inner}${CRLF}${partOf(answers[k]!, contentId(g))}`).join('') +
        `--${inner}--${CRLF}`,
    );
  }
  return {
    contentType: `multipart/mixed; boundary=${boundary}`,
    body: out.join('') + `--${boundary}--${CRLF}`,
  };
}
