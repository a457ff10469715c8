// Safe XML for WebDAV bodies: bounded size, no DTDs or entities (nothing to expand), namespace-aware
// parsing with @xmldom/xmldom, and small builders for multistatus answers.
import type { Readable } from 'node:stream';
import { DOMParser, XMLSerializer, type Element, type Node } from '@xmldom/xmldom';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasScope, type Principal, type Scope } from '../../core/auth/principal.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';

export const DAV_NS = 'DAV:';
/** PROPFIND, PROPPATCH and LOCK bodies are small; anything bigger is refused. */
export const MAX_XML_BYTES = 1024 * 1024;

export const badXml = (message = 'The XML body is not well-formed') =>
  new AppError('dav_bad_xml', 400, message);

/**
 * Reads a request body up to the limit; 413 beyond it. An oversized body is still drained (and dropped),
 * so the client reads the answer instead of a reset connection.
 */
export async function readBody(stream: Readable | undefined, limit = MAX_XML_BYTES): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= limit) chunks.push(buffer);
  }
  if (size > limit) throw new AppError('payload_too_large', 413, 'Request body is too large');
  return Buffer.concat(chunks);
}

/** Parses an XML body; null for an empty one. Refuses DTDs and invalid namespace declarations. */
export function parseXml(body: Buffer): Element | null {
  const text = body.toString('utf8');
  if (text.trim() === '') return null;
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw badXml('DTDs and entities are not accepted');
  let failed: string | null = null;
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') failed ??= message;
    },
  });
  let root: Element | null;
  try {
    root = parser.parseFromString(text, 'application/xml').documentElement;
  } catch {
    throw badXml();
  }
  if (failed || !root) throw badXml();
  assertNamespaces(root);
  return root;
}

function assertNamespaces(element: Element): void {
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    if (attribute.prefix === 'xmlns' && attribute.value === '')
      throw badXml('A namespace prefix cannot be bound to the empty name');
  }
  for (const child of elementChildren(element)) assertNamespaces(child);
}

export function elementChildren(element: Element): Element[] {
  const result: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling)
    if (node.nodeType === 1) result.push(node as Element);
  return result;
}

export const isDav = (element: Element, localName: string) =>
  element.namespaceURI === DAV_NS && element.localName === localName;

export const davChild = (element: Element, localName: string) =>
  elementChildren(element).find((c) => isDav(c, localName));

/** The inner XML of an element, with the namespace declarations it needs (a dead property's value). */
export function innerXml(element: Element): string {
  const serializer = new XMLSerializer();
  let out = '';
  for (let node: Node | null = element.firstChild; node; node = node.nextSibling)
    out += serializer.serializeToString(node);
  return out;
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** Assigns prefixes to the namespaces of a response; DAV: is always "D". */
export class Namespaces {
  private readonly prefixes = new Map<string, string>([[DAV_NS, 'D']]);

  prefix(namespace: string): string {
    let prefix = this.prefixes.get(namespace);
    if (!prefix) {
      prefix = `ns${this.prefixes.size}`;
      this.prefixes.set(namespace, prefix);
    }
    return prefix;
  }

  /** An element name; the empty namespace gets an xmlns="" of its own. */
  element(namespace: string, name: string, content: string | null): string {
    if (namespace === '')
      return content === null || content === ''
        ? `<${name} xmlns=""/>`
        : `<${name} xmlns="">${content}</${name}>`;
    const qualified = `${this.prefix(namespace)}:${name}`;
    return content === null || content === '' ? `<${qualified}/>` : `<${qualified}>${content}</${qualified}>`;
  }

  declarations(): string {
    return [...this.prefixes]
      .map(([namespace, prefix]) => ` xmlns:${prefix}="${escapeXml(namespace)}"`)
      .join('');
  }
}

export const XML_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n';

/**
 * The plain-text answer of a DAV adapter to an error without an XML body: the named error's message, a
 * 4xx from Fastify (e.g. a body it refused) as "Bad request", anything else a logged 500.
 */
export function replyPlainDavError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  protocol: string,
): FastifyReply {
  const text = (status: number, body: string) =>
    reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(body);
  if (isAppError(error)) return text(error.status, `${error.message}\n`);
  const status = (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return text(status, 'Bad request\n');
  request.log.error({ err: error }, `${protocol} request failed`);
  return text(500, 'Internal error\n');
}

/** The decoded segments of a DAV path (empty ones dropped); a malformed percent-escape is a 400. */
export function splitDavPath(rawPath: string): string[] {
  try {
    return rawPath
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw Errors.badRequest('The path is not correctly encoded');
  }
}

/**
 * The principal of a DAV request if it holds the protocol's scope; otherwise the body is drained and a
 * 401 with the Basic challenge that clients answer with an app password.
 */
export function requireDavPrincipal(request: FastifyRequest, reply: FastifyReply, scope: Scope): Principal {
  const principal = request.principal;
  if (principal && hasScope(principal, scope)) return principal;
  (request.body as Readable | undefined)?.resume();
  reply.header('www-authenticate', 'Basic realm="Smart Region", charset="UTF-8"');
  throw Errors.unauthenticated();
}
