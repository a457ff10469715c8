// WebDAV (RFC 4918 class 1 and 2) over the club file service at /dav/files/<club>/…, with RFC 4331
// quota properties. Bodies are never parsed by Fastify: PUT streams straight into storage, XML bodies
// are read with a size limit and parsed without DTDs. Authentication is the platform's (HTTP Basic with
// app passwords or the account password, or a session); a club a person cannot see is simply not found.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Element } from '@xmldom/xmldom';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Principal } from '../../core/auth/principal.js';
import type { Club, CloudLock, CloudNode, FileAccess } from '../../core/db/schema.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';
import type { FileAccessView } from '../files/access.js';
import type { DeadProperty } from '../files/files.repository.js';
import type { CloudFilesService } from '../files/files.service.js';
import { parseRange } from '../files/http-range.js';
import { parseIfHeader, submittedTokens, type IfList } from './dav-if.js';
import {
  DAV_NS,
  Namespaces,
  XML_HEADER,
  davChild,
  elementChildren,
  escapeXml,
  innerXml,
  isDav,
  parseXml,
  readBody,
  replyPlainDavError,
  requireDavPrincipal,
  splitDavPath,
} from './dav-xml.js';
import { LocksRepository } from './locks.repository.js';

export const DAV_PREFIX = '/dav';
const FILES_PREFIX = '/dav/files/';
const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'];
const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK';
const MAX_LOCK_SECONDS = 7 * 24 * 3600;
const DEFAULT_LOCK_SECONDS = 3600;
const LIVE_PROPERTIES = [
  'creationdate',
  'displayname',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'getlastmodified',
  'resourcetype',
  'lockdiscovery',
  'supportedlock',
];
/** RFC 4331: reported when asked for, not in allprop. */
const QUOTA_PROPERTIES = ['quota-available-bytes', 'quota-used-bytes'];

const davError = (status: number, code: string, message: string) => new AppError(code, status, message);
const locked = (path: string) =>
  Object.assign(davError(423, 'dav_locked', 'The resource is locked'), { lockedPath: path });

interface DavRequest {
  principal: Principal;
  club: Club;
  /** The right on the resource (on its parent collection when it does not exist yet). */
  access: FileAccess;
  view: FileAccessView;
  names: string[];
  /** '' for the club root, '/a/b' below it. */
  path: string;
  node: CloudNode | undefined;
  ifLists: IfList[] | null;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** What a listing needs of a node (files.listing() returns no more). */
type DavNode = Pick<
  CloudNode,
  'id' | 'parent_id' | 'name' | 'kind' | 'size' | 'content_type' | 'etag' | 'created_at' | 'modified_at'
>;

const NONE: DeadProperty[] = [];

interface PropName {
  namespace: string;
  name: string;
}

export function webdavRoutes(ctx: AppContext, files: CloudFilesService) {
  const locks = new LocksRepository(ctx.db);

  const basePath = (club: Club) => `${FILES_PREFIX}${encodeURIComponent(club.slug)}`;
  const hrefOf = (club: Club, names: string[], folder: boolean) =>
    `${basePath(club)}/${names.map(encodeURIComponent).join('/')}${folder && names.length ? '/' : ''}`;
  const pathOf = (names: string[]) => names.map((n) => `/${n}`).join('');

  /** Locks that cover a path: on it, or depth-infinity locks on an ancestor. */
  const covering = (all: CloudLock[], path: string) =>
    all.filter((l) => l.path === path || (l.depth === 'infinity' && path.startsWith(`${l.path}/`)));

  /**
   * Refuses a write that touches locked resources unless the lock tokens were submitted (by their
   * owner). `deep` includes locks below the path; `member` includes any lock on the parent collection,
   * whose membership the write changes.
   */
  async function assertUnlocked(dav: DavRequest, path: string, options: { deep: boolean; member: boolean }) {
    const related = await locks.related(dav.club.id, path, options.deep);
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    const parentLocks =
      options.member && path !== '' ? await locks.related(dav.club.id, parentPath, false) : [];
    const applying = [
      ...covering(related, path),
      ...(options.deep ? related.filter((l) => l.path.startsWith(`${path}/`)) : []),
      ...parentLocks.filter((l) => l.path === parentPath),
    ];
    const tokens = new Set(dav.ifLists ? submittedTokens(dav.ifLists) : []);
    for (const lock of applying) {
      if (!tokens.has(lock.token) || lock.user_id !== dav.principal.userId) throw locked(lock.path);
    }
  }

  /** Evaluates the If header (412 when no list matches). */
  async function assertIfHeader(dav: DavRequest): Promise<void> {
    if (!dav.ifLists) return;
    for (const list of dav.ifLists) {
      let path = dav.path;
      let node = dav.node;
      if (list.resource !== null) {
        const names = tagNames(dav, list.resource);
        if (!names) continue;
        path = pathOf(names);
        node = await files.resolve(dav.club, names);
      }
      const lockTokens = new Set(
        covering(await locks.related(dav.club.id, path, false), path).map((l) => l.token),
      );
      const etag = node ? etagOf(node) : null;
      const matches = list.conditions.every((c) => {
        const hit =
          c.kind === 'token' ? lockTokens.has(c.value) : etag !== null && stripWeak(c.value) === etag;
        return c.not ? !hit : hit;
      });
      if (matches) return;
    }
    throw davError(412, 'dav_precondition_failed', 'The If header does not match');
  }

  function tagNames(dav: DavRequest, resource: string): string[] | null {
    let pathname: string;
    try {
      pathname = new URL(resource, 'http://x').pathname;
    } catch {
      return null;
    }
    const prefix = `${basePath(dav.club)}`;
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return null;
    return splitDavPath(pathname.slice(prefix.length));
  }

  // Responses

  function etagOf(node: DavNode): string {
    return node.kind === 'file' && node.etag
      ? node.etag
      : `"${node.id.replace(/-/g, '')}-${node.modified_at.getTime()}"`;
  }

  function activeLockXml(lock: CloudLock, club: Club): string {
    const remaining = Math.max(0, Math.round((lock.expires_at.getTime() - Date.now()) / 1000));
    const root = `${basePath(club)}${lock.path.split('/').map(encodeURIComponent).join('/')}`;
    return (
      `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
      `<D:depth>${lock.depth === 'infinity' ? 'infinity' : '0'}</D:depth>` +
      (lock.owner_xml !== null ? `<D:owner>${lock.owner_xml}</D:owner>` : '') +
      `<D:timeout>Second-${remaining}</D:timeout>` +
      `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
      `<D:lockroot><D:href>${escapeXml(root || `${basePath(club)}/`)}</D:href></D:lockroot></D:activelock>`
    );
  }

  const SUPPORTED_LOCK =
    '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
    '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>';

  function liveProperty(
    dav: DavRequest,
    node: DavNode,
    name: string,
    nodeLocks: CloudLock[],
    club: Club,
  ): string | null | undefined {
    const file = node.kind === 'file';
    switch (name) {
      case 'creationdate':
        return node.created_at.toISOString();
      case 'displayname':
        return node.parent_id === null ? escapeXml(club.name) : escapeXml(node.name);
      case 'getcontentlength':
        return file ? String(node.size) : undefined;
      case 'getcontenttype':
        return file ? escapeXml(node.content_type ?? 'application/octet-stream') : undefined;
      case 'getetag':
        return escapeXml(etagOf(node));
      case 'getlastmodified':
        return node.modified_at.toUTCString();
      case 'resourcetype':
        return file ? '' : '<D:collection/>';
      case 'lockdiscovery':
        return nodeLocks.map((l) => activeLockXml(l, club)).join('');
      case 'supportedlock':
        return SUPPORTED_LOCK;
      case 'quota-available-bytes':
        return file ? undefined : String(Math.max(0, club.quota_bytes - club.used_bytes));
      case 'quota-used-bytes':
        return file ? undefined : String(club.used_bytes);
      default:
        return undefined;
    }
  }

  function send(reply: FastifyReply, status: number, xml: string) {
    return reply
      .code(status)
      .header('content-type', 'application/xml; charset=utf-8')
      .send(XML_HEADER + xml);
  }

  // Handlers

  async function propfind(dav: DavRequest) {
    const depthHeader = header(dav.request, 'depth') ?? 'infinity';
    if (!['0', '1', 'infinity'].includes(depthHeader))
      throw Errors.badRequest('Depth must be 0, 1 or infinity');
    const body = parseXml(await readBody(dav.request.body as Readable));
    if (depthHeader === 'infinity') {
      return send(dav.reply.code(403), 403, '<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>');
    }
    let mode: 'allprop' | 'propname' | 'prop' = 'allprop';
    let requested: PropName[] = [];
    if (body) {
      if (!isDav(body, 'propfind')) throw Errors.badRequest('Expected a DAV:propfind body');
      const prop = davChild(body, 'prop');
      if (prop) {
        mode = 'prop';
        requested = elementChildren(prop).map((e) => ({
          namespace: e.namespaceURI ?? '',
          name: e.localName!,
        }));
      } else if (davChild(body, 'propname')) mode = 'propname';
      else if (!davChild(body, 'allprop')) throw Errors.badRequest('Expected prop, propname or allprop');
    }
    const node = dav.node!;
    // Read in this request (by its slug), so the quota properties are current.
    const club = dav.club;
    const wantsDead = mode !== 'prop' || requested.some((r) => r.namespace !== DAV_NS);
    // The members and their dead properties in one query, the folder's own properties in a second.
    const all =
      depthHeader === '1' && node.kind === 'folder' ? await files.listing(club, node, wantsDead) : [];
    // Members shared with others only are left out; no query per member.
    const members = dav.view.restricted ? all.filter((m) => dav.view.child(dav.access, m) !== 'none') : all;
    const nodes: DavNode[] = [node, ...members];
    const deadByNode = new Map<string, DeadProperty[]>();
    if (wantsDead) {
      deadByNode.set(node.id, await files.properties([node.id]));
      for (const m of members) if (m.properties.length) deadByNode.set(m.id, m.properties);
    }
    const wantsLocks =
      mode !== 'prop' || requested.some((r) => r.namespace === DAV_NS && r.name === 'lockdiscovery');
    const related = wantsLocks ? await locks.related(club.id, dav.path, depthHeader === '1') : [];

    const ns = new Namespaces();
    const parts: string[] = [];
    for (const n of nodes) {
      const names = n === node ? dav.names : [...dav.names, n.name];
      const path = pathOf(names);
      const nodeLocks = wantsLocks ? covering(related, path) : [];
      const found: string[] = [];
      const missing: string[] = [];
      const nodeDead = deadByNode.get(n.id) ?? NONE;
      if (mode === 'prop') {
        for (const r of requested) {
          if (r.namespace === DAV_NS) {
            const value = liveProperty(dav, n, r.name, nodeLocks, club);
            if (value === undefined) missing.push(ns.element(DAV_NS, r.name, null));
            else found.push(ns.element(DAV_NS, r.name, value));
          } else {
            const p = nodeDead.find((d) => d.namespace === r.namespace && d.name === r.name);
            if (p) found.push(ns.element(p.namespace, p.name, p.value));
            else missing.push(ns.element(r.namespace, r.name, null));
          }
        }
      } else {
        for (const name of LIVE_PROPERTIES) {
          const value = liveProperty(dav, n, name, nodeLocks, club);
          if (value !== undefined) found.push(ns.element(DAV_NS, name, mode === 'propname' ? null : value));
        }
        if (mode === 'propname' && n.kind === 'folder')
          for (const name of QUOTA_PROPERTIES) found.push(ns.element(DAV_NS, name, null));
        for (const p of nodeDead)
          found.push(ns.element(p.namespace, p.name, mode === 'propname' ? null : p.value));
      }
      parts.push(
        `<D:response><D:href>${escapeXml(hrefOf(club, names, n.kind === 'folder'))}</D:href>` +
          (found.length
            ? `<D:propstat><D:prop>${found.join('')}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`
            : '') +
          (missing.length
            ? `<D:propstat><D:prop>${missing.join('')}</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>`
            : '') +
          '</D:response>',
      );
    }
    return send(dav.reply, 207, `<D:multistatus${ns.declarations()}>${parts.join('')}</D:multistatus>`);
  }

  async function proppatch(dav: DavRequest) {
    requireWrite(dav);
    const node = dav.node!;
    const body = parseXml(await readBody(dav.request.body as Readable));
    if (!body || !isDav(body, 'propertyupdate'))
      throw Errors.badRequest('Expected a DAV:propertyupdate body');
    await assertIfHeader(dav);
    await assertUnlocked(dav, dav.path, { deep: false, member: false });
    const updates: { namespace: string; name: string; value: string | null }[] = [];
    for (const action of elementChildren(body)) {
      const set = isDav(action, 'set');
      if (!set && !isDav(action, 'remove')) continue;
      const prop = davChild(action, 'prop');
      if (!prop) throw Errors.badRequest('set and remove need a DAV:prop');
      for (const p of elementChildren(prop))
        updates.push({
          namespace: p.namespaceURI ?? '',
          name: p.localName!,
          value: set ? innerXml(p) : null,
        });
    }
    const ns = new Namespaces();
    const protectedOnes = updates.filter((u) => u.namespace === DAV_NS);
    const names = (list: typeof updates) => list.map((u) => ns.element(u.namespace, u.name, null)).join('');
    let xml: string;
    if (protectedOnes.length) {
      const others = updates.filter((u) => u.namespace !== DAV_NS);
      xml =
        `<D:propstat><D:prop>${names(protectedOnes)}</D:prop><D:status>HTTP/1.1 403 Forbidden</D:status>` +
        '<D:error><D:cannot-modify-protected-property/></D:error></D:propstat>' +
        (others.length
          ? `<D:propstat><D:prop>${names(others)}</D:prop><D:status>HTTP/1.1 424 Failed Dependency</D:status></D:propstat>`
          : '');
    } else {
      await files.patchProperties(node, updates);
      xml = `<D:propstat><D:prop>${names(updates)}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`;
    }
    return send(
      dav.reply,
      207,
      `<D:multistatus${ns.declarations()}><D:response><D:href>${escapeXml(
        hrefOf(dav.club, dav.names, node.kind === 'folder'),
      )}</D:href>${xml}</D:response></D:multistatus>`,
    );
  }

  async function parentOf(dav: DavRequest, names: string[]): Promise<CloudNode> {
    const parent = await files.resolve(dav.club, names.slice(0, -1));
    if (!parent || parent.kind !== 'folder')
      throw davError(409, 'cloud_parent_missing', 'The parent collection does not exist');
    return parent;
  }

  async function mkcol(dav: DavRequest) {
    requireWrite(dav);
    if (hasBody(dav.request)) {
      (dav.request.body as Readable | undefined)?.resume();
      throw davError(415, 'unsupported_media_type', 'MKCOL with a body is not supported');
    }
    if (dav.node) throw davError(405, 'dav_exists', 'The resource exists already');
    const parent = await parentOf(dav, dav.names);
    await assertIfHeader(dav);
    await assertUnlocked(dav, dav.path, { deep: false, member: true });
    await files.createFolder(dav.club, parent, dav.names.at(-1)!, dav.principal.userId);
    return dav.reply.code(201).send();
  }

  async function get(dav: DavRequest, head: boolean) {
    const node = dav.node!;
    await assertIfHeader(dav);
    const etag = etagOf(node);
    const reply = dav.reply.header('etag', etag).header('last-modified', node.modified_at.toUTCString());
    const ifNoneMatch = header(dav.request, 'if-none-match');
    if (
      ifNoneMatch &&
      (ifNoneMatch === '*' || ifNoneMatch.split(',').some((t) => stripWeak(t.trim()) === etag))
    )
      return reply.code(304).send();
    const ifMatch = header(dav.request, 'if-match');
    if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').some((t) => t.trim() === etag))
      throw davError(412, 'dav_precondition_failed', 'If-Match does not match');
    if (node.kind === 'folder') {
      const members = (await files.children(dav.club, node)).filter(
        (m) => dav.view.child(dav.access, m) !== 'none',
      );
      const html =
        `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>${escapeXml(dav.club.name)}</title></head><body><ul>` +
        members
          .map(
            (m) =>
              `<li><a href="${escapeXml(hrefOf(dav.club, [...dav.names, m.name], m.kind === 'folder'))}">${escapeXml(m.name)}${m.kind === 'folder' ? '/' : ''}</a></li>`,
          )
          .join('') +
        '</ul></body></html>';
      return reply.header('content-type', 'text/html; charset=utf-8').send(head ? undefined : html);
    }
    const range = parseRange(header(dav.request, 'range'), node.size, header(dav.request, 'if-range'), etag);
    if (range === 'unsatisfiable')
      return reply.code(416).header('content-range', `bytes */${node.size}`).send();
    reply
      .header('accept-ranges', 'bytes')
      .header('content-type', node.content_type ?? 'application/octet-stream')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', 'attachment');
    if (head) {
      const length = range ? range.end - range.start + 1 : node.size;
      if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${node.size}`);
      return reply.header('content-length', String(length)).send();
    }
    if (node.size === 0) return reply.header('content-length', '0').send('');
    const result = await files.read(node, range ?? undefined);
    if (range)
      reply.code(206).header('content-range', `bytes ${result.range.start}-${result.range.end}/${node.size}`);
    return reply.header('content-length', String(result.range.length)).send(result.stream);
  }

  async function put(dav: DavRequest) {
    const stream = dav.request.body as Readable | undefined;
    const drain = () => stream?.resume();
    try {
      requireWrite(dav);
      if (dav.node?.kind === 'folder') throw davError(405, 'dav_is_collection', 'Cannot PUT to a collection');
      if (header(dav.request, 'content-range'))
        throw Errors.badRequest('Partial PUT with Content-Range is not supported');
      if (dav.names.length === 0) throw davError(405, 'dav_is_collection', 'Cannot PUT to a collection');
      await parentOf(dav, dav.names);
      await assertIfHeader(dav);
      await assertUnlocked(dav, dav.path, { deep: false, member: !dav.node });
      const ifNoneMatch = header(dav.request, 'if-none-match');
      if (ifNoneMatch === '*' && dav.node)
        throw davError(412, 'dav_precondition_failed', 'The resource exists');
      const ifMatch = header(dav.request, 'if-match');
      if (
        ifMatch &&
        (!dav.node || (ifMatch !== '*' && !ifMatch.split(',').some((t) => t.trim() === etagOf(dav.node!))))
      )
        throw davError(412, 'dav_precondition_failed', 'If-Match does not match');
    } catch (error) {
      drain();
      throw error;
    }
    const length = header(dav.request, 'content-length');
    const size = length !== undefined ? Number(length) : stream ? undefined : 0;
    const { Readable: NodeReadable } = await import('node:stream');
    const result = await files.writeFile(
      dav.club,
      await parentOf(dav, dav.names),
      dav.names.at(-1)!,
      stream ?? NodeReadable.from([]),
      {
        contentType: header(dav.request, 'content-type'),
        size,
        userId: dav.principal.userId,
      },
    );
    return dav.reply
      .code(result.created ? 201 : 204)
      .header('etag', etagOf(result.node))
      .send();
  }

  async function remove(dav: DavRequest) {
    requireWrite(dav);
    const node = dav.node!;
    if (node.parent_id === null) throw Errors.forbidden('The root collection cannot be deleted');
    await assertIfHeader(dav);
    await assertUnlocked(dav, dav.path, { deep: true, member: true });
    assertNothingProtected(dav, node);
    await files.trash(dav.club, node, dav.principal.userId);
    await locks.deleteUnder(dav.club.id, dav.path);
    return dav.reply.code(204).send();
  }

  async function copyOrMove(dav: DavRequest, move: boolean) {
    requireWrite(dav);
    const node = dav.node!;
    const destination = header(dav.request, 'destination');
    if (!destination) throw Errors.badRequest('Destination header missing');
    let url: URL;
    try {
      url = new URL(destination, `http://${dav.request.headers.host ?? 'localhost'}`);
    } catch {
      throw Errors.badRequest('Destination is not a URL');
    }
    const host = dav.request.headers.host;
    if (host && url.host !== host)
      throw davError(502, 'dav_other_server', 'The destination is on another server');
    const targetNames = tagNames(dav, url.pathname);
    if (!targetNames) throw Errors.forbidden('The destination is outside this club');
    if (targetNames.length === 0) throw Errors.forbidden('Cannot replace the root collection');
    const targetPath = pathOf(targetNames);
    if (targetPath === dav.path) throw Errors.forbidden('Source and destination are the same');
    if (targetPath.startsWith(`${dav.path}/`) && node.kind === 'folder')
      throw Errors.forbidden('Cannot copy or move a collection into itself');
    const overwriteHeader = (header(dav.request, 'overwrite') ?? 'T').toUpperCase();
    if (overwriteHeader !== 'T' && overwriteHeader !== 'F')
      throw Errors.badRequest('Overwrite must be T or F');
    const depth = header(dav.request, 'depth') ?? 'infinity';
    if (node.kind === 'folder') {
      if (move && depth !== 'infinity') throw Errors.badRequest('MOVE of a collection needs Depth: infinity');
      if (!move && depth !== '0' && depth !== 'infinity')
        throw Errors.badRequest('Depth must be 0 or infinity');
    }
    const parent = await files.resolve(dav.club, targetNames.slice(0, -1));
    const targetAccess = parent ? await dav.view.of(parent) : 'none';
    if (!parent || parent.kind !== 'folder' || targetAccess === 'none')
      throw davError(409, 'cloud_parent_missing', 'The destination collection does not exist');
    if (targetAccess !== 'write') throw Errors.forbidden('You may only read in the destination');
    if (move) assertNothingProtected(dav, node);
    else if (!dav.view.readableThroughout(node.id, dav.access))
      throw Errors.forbidden('The collection contains items you may not read');
    const existing = await files.child(dav.club, parent, targetNames.at(-1)!);
    if (existing && dav.view.child(targetAccess, existing) !== 'write')
      throw Errors.forbidden('You may not replace the destination');
    if (existing && overwriteHeader === 'F')
      throw davError(412, 'dav_precondition_failed', 'The destination exists and Overwrite is F');
    await assertIfHeader(dav);
    if (move) await assertUnlocked(dav, dav.path, { deep: true, member: true });
    await assertUnlocked(dav, targetPath, { deep: Boolean(existing), member: true });
    const options = { overwrite: true, userId: dav.principal.userId };
    const result = move
      ? await files.move(dav.club, node, parent, targetNames.at(-1)!, options)
      : await files.copy(dav.club, node, parent, targetNames.at(-1)!, { ...options, deep: depth !== '0' });
    if (move) await locks.deleteUnder(dav.club.id, dav.path);
    if (result.replaced) await locks.deleteUnder(dav.club.id, targetPath);
    return dav.reply.code(result.replaced ? 204 : 201).send();
  }

  async function lock(dav: DavRequest) {
    requireWrite(dav);
    const body = parseXml(await readBody(dav.request.body as Readable));
    const timeout = parseTimeout(header(dav.request, 'timeout'));
    if (!body) {
      // A refresh: the If header names the lock.
      const tokens = dav.ifLists ? submittedTokens(dav.ifLists) : [];
      const held = covering(await locks.related(dav.club.id, dav.path, false), dav.path).find((l) =>
        tokens.includes(l.token),
      );
      if (!held || !dav.node) throw davError(412, 'dav_precondition_failed', 'No lock to refresh was named');
      if (held.user_id !== dav.principal.userId) throw Errors.forbidden('The lock belongs to someone else');
      const refreshed = await locks.refresh(held.token, timeout);
      return send(
        dav.reply,
        200,
        `<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(refreshed, dav.club)}</D:lockdiscovery></D:prop>`,
      );
    }
    if (!isDav(body, 'lockinfo')) throw Errors.badRequest('Expected a DAV:lockinfo body');
    const scopeElement = davChild(body, 'lockscope');
    const scope = scopeElement && davChild(scopeElement, 'shared') ? 'shared' : 'exclusive';
    if (!scopeElement || (!davChild(scopeElement, 'shared') && !davChild(scopeElement, 'exclusive')))
      throw Errors.badRequest('lockscope must be exclusive or shared');
    const typeElement = davChild(body, 'locktype');
    if (!typeElement || !davChild(typeElement, 'write')) throw Errors.badRequest('Only write locks exist');
    const ownerElement = davChild(body, 'owner');
    const depthHeader = header(dav.request, 'depth') ?? 'infinity';
    if (depthHeader !== '0' && depthHeader !== 'infinity')
      throw Errors.badRequest('Depth must be 0 or infinity');
    const depth = dav.node?.kind === 'file' ? '0' : depthHeader;
    const related = await locks.related(dav.club.id, dav.path, depth === 'infinity');
    const conflicting = [
      ...covering(related, dav.path),
      ...(depth === 'infinity' ? related.filter((l) => l.path.startsWith(`${dav.path}/`)) : []),
    ];
    if (conflicting.some((l) => l.scope === 'exclusive' || scope === 'exclusive')) throw locked(dav.path);
    await assertIfHeader(dav);
    let created = false;
    if (!dav.node) {
      if (dav.names.length === 0) throw Errors.forbidden();
      const parent = await parentOf(dav, dav.names);
      await assertUnlocked(dav, dav.path, { deep: false, member: true });
      await files.createEmptyFile(dav.club, parent, dav.names.at(-1)!, dav.principal.userId);
      created = true;
    }
    const row = await locks.insert({
      token: `urn:uuid:${randomUUID()}`,
      club_id: dav.club.id,
      path: dav.path,
      depth,
      scope,
      owner_xml: ownerElement ? innerXml(ownerElement) : null,
      user_id: dav.principal.userId,
      timeout_seconds: timeout,
      expires_at: new Date(Date.now() + timeout * 1000),
    });
    return send(
      dav.reply.header('lock-token', `<${row.token}>`),
      created ? 201 : 200,
      `<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(row, dav.club)}</D:lockdiscovery></D:prop>`,
    );
  }

  async function unlock(dav: DavRequest) {
    const raw = header(dav.request, 'lock-token');
    const token = raw?.trim().replace(/^<|>$/g, '');
    if (!token) throw Errors.badRequest('Lock-Token header missing');
    const held = await locks.find(dav.club.id, token);
    if (
      !held ||
      !(held.path === dav.path || (held.depth === 'infinity' && dav.path.startsWith(`${held.path}/`)))
    )
      return send(dav.reply, 409, '<D:error xmlns:D="DAV:"><D:lock-token-matches-request-uri/></D:error>');
    if (held.user_id !== dav.principal.userId) throw Errors.forbidden('The lock belongs to someone else');
    await locks.delete(token);
    return dav.reply.code(204).send();
  }

  function requireWrite(dav: DavRequest) {
    if (dav.access !== 'write') throw Errors.forbidden('You may only read here');
  }

  /** Deleting or moving must not carry away shared items below that the person may not change. */
  function assertNothingProtected(dav: DavRequest, node: CloudNode) {
    if (dav.view.protectedBelow(node.id))
      throw Errors.forbidden('The collection contains shared items you may not change');
  }

  // Entry

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const method = request.method;
    const rawPath = (request.raw.url ?? '/').split('?')[0]!;
    reply.header('dav', '1, 2').header('ms-author-via', 'DAV');
    if (method === 'OPTIONS') {
      (request.body as Readable | undefined)?.resume();
      return reply.header('allow', ALLOW).header('content-length', '0').code(200).send();
    }
    const principal = requireDavPrincipal(request, reply, 'files');
    const segments = splitDavPath(rawPath.slice(DAV_PREFIX.length));
    if (segments[0] !== 'files' || segments.length < 2) return listClubs(request, reply, principal, segments);
    const club = await ctx.clubs.bySlug(segments[1]!).catch(() => undefined);
    const membership = club ? await ctx.clubs.membership(club.id, principal.userId) : null;
    const view = club && membership ? await files.accessFor(club, principal.userId, membership) : null;
    if (!club || !view || !view.opensClub) {
      (request.body as Readable | undefined)?.resume();
      throw Errors.notFound('Club');
    }
    const names = segments.slice(2);
    for (const name of names)
      if (name === '.' || name === '..' || name.includes('\u0000')) throw Errors.badRequest('Bad path');
    const ifHeader = header(request, 'if');
    const node = await files.resolve(club, names);
    // The right comes from the resource, or from its parent for one about to be created.
    const parent = node || names.length === 0 ? undefined : await files.resolve(club, names.slice(0, -1));
    const decisive = node ?? parent;
    const access = decisive ? await view.of(decisive) : view.base;
    const dav: DavRequest = {
      principal,
      club,
      access,
      view,
      names,
      path: pathOf(names),
      node,
      ifLists: ifHeader ? parseIfHeader(ifHeader) : null,
      request,
      reply,
    };
    const needsNode = !['PUT', 'MKCOL', 'LOCK'].includes(method);
    // What one may not read does not exist for them (nor may they create inside it).
    if ((needsNode && !dav.node) || access === 'none') {
      (request.body as Readable | undefined)?.resume();
      throw Errors.notFound('Resource');
    }
    switch (method) {
      case 'GET':
        return get(dav, false);
      case 'HEAD':
        return get(dav, true);
      case 'PUT':
        return put(dav);
      case 'DELETE':
        return remove(dav);
      case 'PROPFIND':
        return propfind(dav);
      case 'PROPPATCH':
        return proppatch(dav);
      case 'MKCOL':
        return mkcol(dav);
      case 'COPY':
        return copyOrMove(dav, false);
      case 'MOVE':
        return copyOrMove(dav, true);
      case 'LOCK':
        return lock(dav);
      case 'UNLOCK':
        return unlock(dav);
      default:
        return reply.code(405).header('allow', ALLOW).send();
    }
  }

  /** /dav/ and /dav/files/: the clubs of the person as collections, so clients can start at the top. */
  async function listClubs(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    segments: string[],
  ) {
    (request.body as Readable | undefined)?.resume();
    if (segments.length > 1 || (segments.length === 1 && segments[0] !== 'files'))
      throw Errors.notFound('Resource');
    if (request.method !== 'PROPFIND') return reply.code(405).header('allow', 'OPTIONS, PROPFIND').send();
    const depth = header(request, 'depth') ?? 'infinity';
    if (depth === 'infinity')
      return send(reply, 403, '<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>');
    const self = segments.length === 0 ? `${DAV_PREFIX}/` : FILES_PREFIX;
    const clubs =
      depth === '1' && segments.length === 1
        ? (await ctx.clubs.listForUser(principal.userId)).filter((c) => c.status === 'active')
        : [];
    const entry = (href: string, name: string) =>
      `<D:response><D:href>${escapeXml(href)}</D:href><D:propstat><D:prop><D:displayname>${escapeXml(name)}</D:displayname>` +
      '<D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>';
    const children =
      segments.length === 0 && depth === '1'
        ? [entry(FILES_PREFIX, 'files')]
        : clubs.map((c) => entry(`${basePath(c)}/`, c.name));
    return send(
      reply,
      207,
      `<D:multistatus xmlns:D="DAV:">${entry(self, 'dav')}${children.join('')}</D:multistatus>`,
    );
  }

  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    // Bodies stay streams: PUT content goes to storage as it arrives, XML is read with a limit.
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    app.setErrorHandler((error, request, reply) => {
      (request.body as Readable | undefined)?.resume?.();
      if (isAppError(error)) {
        if (error.status >= 500 && error.status !== 507)
          request.log.error({ err: error }, 'WebDAV request failed');
        if (error.code === 'dav_locked') {
          const lockedPath = (error as AppError & { lockedPath?: string }).lockedPath ?? '';
          const slug = (request.raw.url ?? '').split('/')[3] ?? '';
          return reply
            .code(423)
            .header('content-type', 'application/xml; charset=utf-8')
            .send(
              `${XML_HEADER}<D:error xmlns:D="DAV:"><D:lock-token-submitted><D:href>${escapeXml(
                `${FILES_PREFIX}${slug}${lockedPath.split('/').map(encodeURIComponent).join('/')}`,
              )}</D:href></D:lock-token-submitted></D:error>`,
            );
        }
      }
      return replyPlainDavError(request, reply, error, 'WebDAV');
    });
    for (const url of [DAV_PREFIX, `${DAV_PREFIX}/`, `${DAV_PREFIX}/*`]) {
      app.route({
        method: ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', ...DAV_METHODS],
        url,
        exposeHeadRoute: false,
        handler: handle,
      });
    }
  };
}

/** Registers the WebDAV methods with Fastify's router (once per instance). */
export function registerDavMethods(app: FastifyInstance): void {
  for (const method of DAV_METHODS) app.addHttpMethod(method, { hasBody: true });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const stripWeak = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

function parseTimeout(value: string | undefined): number {
  if (!value) return DEFAULT_LOCK_SECONDS;
  for (const part of value.split(',').map((p) => p.trim().toLowerCase())) {
    if (part === 'infinite') return MAX_LOCK_SECONDS;
    const match = /^second-(\d{1,12})$/.exec(part);
    if (match) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(match[1])));
  }
  return DEFAULT_LOCK_SECONDS;
}

export type { Element };
