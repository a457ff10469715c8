// CalDAV (RFC 4791) over the club calendars, with sync-collection (RFC 6578), the CalendarServer getctag
// and discovery (RFC 6764 /.well-known/caldav, RFC 5397 current-user-principal). Layout:
//   /dav/principals/<user id>/            the caller's principal (calendar-home-set: one home per club)
//   /dav/calendars/<club>/                a club's calendar home (MKCALENDAR creates calendars in it)
//   /dav/calendars/<club>/<calendar>/     a calendar collection
//   /dav/calendars/<club>/<calendar>/<x>  a calendar object resource (.ics)
// Authentication is the platform's (HTTP Basic with an app password of scope `calendars` or the account
// password, or a session). The XML helpers are WebDAV's (../webdav/dav-xml.ts).
import type { Readable } from 'node:stream';
import type { Element } from '@xmldom/xmldom';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import type { Principal } from '../../core/auth/principal.js';
import type { Club, CloudCalendar, CloudCalendarObject, FileAccess } from '../../core/db/schema.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';
import { calendarPolicy } from '../calendar/calendar.policy.js';
import {
  CalendarDataError,
  expandedText,
  MAX_ICAL_BYTES,
  overlapsRange,
  parseObject,
  type ParsedObject,
} from '../calendar/ical.js';
import {
  DAV_NS,
  Namespaces,
  XML_HEADER,
  davChild,
  elementChildren,
  escapeXml,
  isDav,
  parseXml,
  readBody,
  replyPlainDavError,
  requireDavPrincipal,
  splitDavPath,
} from '../webdav/dav-xml.js';

const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';
const CS_NS = 'http://calendarserver.org/ns/';
const APPLE_NS = 'http://apple.com/ns/ical/';
const CALENDARS = '/dav/calendars/';
const PRINCIPALS = '/dav/principals/';
const EXTRA_METHODS = ['REPORT', 'MKCALENDAR'];
const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR';
const SYNC_PREFIX = 'urn:srp:calendar-sync:';

type PropValue = string | (() => string);
interface Resource {
  href: string;
  /** Property values by "namespace|name". */
  props: Map<string, PropValue>;
}
interface PropName {
  namespace: string;
  name: string;
}
interface ClubAccess {
  club: Club;
  access: FileAccess;
}

const key = (namespace: string, name: string) => `${namespace}|${name}`;
const isCaldav = (element: Element, name: string) =>
  element.namespaceURI === CALDAV_NS && element.localName === name;
const caldavChild = (element: Element, name: string) =>
  elementChildren(element).find((c) => isCaldav(c, name));
/** Properties computed per request that allprop leaves out (RFC 4791 and 6578 say so). */
const NOT_IN_ALLPROP = new Set([key(CALDAV_NS, 'calendar-data'), key(DAV_NS, 'sync-token')]);

const davError = (status: number, namespace: string, condition: string, message: string) =>
  Object.assign(new AppError('caldav_precondition', status, message), { namespace, condition });

/** Parses an iCalendar UTC date-time (time-range and expand attributes, RFC 4791 9.9). */
function utcAttribute(element: Element, name: string): Date | null {
  const value = element.getAttribute(name);
  if (!value) return null;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw davError(400, CALDAV_NS, 'valid-filter', `${name} must be a UTC date-time`);
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
}

export function caldavRoutes(ctx: AppContext) {
  const calendars = ctx.calendars;

  const homeHref = (club: Club) => `${CALENDARS}${encodeURIComponent(club.slug)}/`;
  const calendarHref = (club: Club, calendar: CloudCalendar) =>
    `${homeHref(club)}${encodeURIComponent(calendar.slug)}/`;
  const objectHref = (club: Club, calendar: CloudCalendar, name: string) =>
    `${calendarHref(club, calendar)}${encodeURIComponent(name)}`;
  const principalHref = (principal: Principal) => `${PRINCIPALS}${principal.userId}/`;

  async function clubsOf(principal: Principal): Promise<ClubAccess[]> {
    const result: ClubAccess[] = [];
    for (const club of await ctx.clubs.listForUser(principal.userId)) {
      if (club.status !== 'active') continue;
      const access = calendarPolicy.access(club, await ctx.clubs.membership(club.id, principal.userId));
      if (access !== 'none') result.push({ club, access });
    }
    return result;
  }

  async function clubAccess(principal: Principal, slug: string): Promise<ClubAccess> {
    const club = await ctx.clubs.bySlug(slug).catch(() => undefined);
    const access = club
      ? calendarPolicy.access(club, await ctx.clubs.membership(club.id, principal.userId))
      : 'none';
    if (!club || access === 'none') throw Errors.notFound('Club');
    return { club, access };
  }

  // Properties of each kind of resource

  function common(principal: Principal, access: FileAccess): Map<string, PropValue> {
    const privileges =
      access === 'write'
        ? '<D:privilege><D:read/></D:privilege><D:privilege><D:write/></D:privilege>' +
          '<D:privilege><D:write-content/></D:privilege><D:privilege><D:write-properties/></D:privilege>' +
          '<D:privilege><D:bind/></D:privilege><D:privilege><D:unbind/></D:privilege>' +
          `<D:privilege><C:read-free-busy xmlns:C="${CALDAV_NS}"/></D:privilege>`
        : `<D:privilege><D:read/></D:privilege><D:privilege><C:read-free-busy xmlns:C="${CALDAV_NS}"/></D:privilege>`;
    return new Map<string, PropValue>([
      [key(DAV_NS, 'current-user-principal'), `<D:href>${escapeXml(principalHref(principal))}</D:href>`],
      [key(DAV_NS, 'principal-collection-set'), `<D:href>${PRINCIPALS}</D:href>`],
      [key(DAV_NS, 'current-user-privilege-set'), privileges],
    ]);
  }

  async function principalResource(principal: Principal): Promise<Resource> {
    const homes = (await clubsOf(principal)).map((c) => `<D:href>${escapeXml(homeHref(c.club))}</D:href>`);
    const props = common(principal, 'read');
    props.set(key(DAV_NS, 'resourcetype'), '<D:collection/><D:principal/>');
    props.set(key(DAV_NS, 'displayname'), escapeXml(principal.displayName));
    props.set(key(DAV_NS, 'principal-URL'), `<D:href>${escapeXml(principalHref(principal))}</D:href>`);
    props.set(key(CALDAV_NS, 'calendar-home-set'), homes.join(''));
    props.set(
      key(CALDAV_NS, 'calendar-user-address-set'),
      `<D:href>mailto:${escapeXml(principal.email)}</D:href><D:href>${escapeXml(principalHref(principal))}</D:href>`,
    );
    return { href: principalHref(principal), props };
  }

  function collectionResource(
    principal: Principal,
    href: string,
    name: string,
    access: FileAccess,
  ): Resource {
    const props = common(principal, access);
    props.set(key(DAV_NS, 'resourcetype'), '<D:collection/>');
    props.set(key(DAV_NS, 'displayname'), escapeXml(name));
    return { href, props };
  }

  function calendarResource(principal: Principal, c: ClubAccess, calendar: CloudCalendar): Resource {
    const props = common(principal, c.access);
    const token = `${SYNC_PREFIX}${calendar.id}:${calendar.revision}`;
    props.set(key(DAV_NS, 'resourcetype'), `<D:collection/><C:calendar xmlns:C="${CALDAV_NS}"/>`);
    props.set(key(DAV_NS, 'displayname'), escapeXml(calendar.name));
    props.set(key(DAV_NS, 'owner'), `<D:href>${escapeXml(principalHref(principal))}</D:href>`);
    props.set(key(DAV_NS, 'getetag'), `"${calendar.id.slice(0, 8)}-${calendar.revision}"`);
    props.set(key(DAV_NS, 'sync-token'), escapeXml(token));
    props.set(key(CS_NS, 'getctag'), escapeXml(token));
    props.set(key(CALDAV_NS, 'calendar-description'), escapeXml(calendar.description ?? ''));
    props.set(
      key(CALDAV_NS, 'supported-calendar-component-set'),
      ['VEVENT', 'VTODO', 'VJOURNAL'].map((n) => `<C:comp xmlns:C="${CALDAV_NS}" name="${n}"/>`).join(''),
    );
    props.set(
      key(CALDAV_NS, 'supported-calendar-data'),
      `<C:calendar-data xmlns:C="${CALDAV_NS}" content-type="text/calendar" version="2.0"/>`,
    );
    props.set(key(CALDAV_NS, 'max-resource-size'), String(MAX_ICAL_BYTES));
    props.set(
      key(DAV_NS, 'supported-report-set'),
      ['calendar-query', 'calendar-multiget']
        .map(
          (r) =>
            `<D:supported-report><D:report><C:${r} xmlns:C="${CALDAV_NS}"/></D:report></D:supported-report>`,
        )
        .join('') + '<D:supported-report><D:report><D:sync-collection/></D:report></D:supported-report>',
    );
    if (calendar.color) props.set(key(APPLE_NS, 'calendar-color'), escapeXml(calendar.color));
    return { href: calendarHref(c.club, calendar), props };
  }

  function objectResource(
    c: ClubAccess,
    calendar: CloudCalendar,
    object: CloudCalendarObject,
    calendarData: () => string = () => escapeXml(object.ical),
  ): Resource {
    const props = new Map<string, PropValue>([
      [key(DAV_NS, 'resourcetype'), ''],
      [key(DAV_NS, 'getetag'), escapeXml(object.etag)],
      [
        key(DAV_NS, 'getcontenttype'),
        `text/calendar; charset=utf-8; component=${object.component.toLowerCase()}`,
      ],
      [key(DAV_NS, 'getcontentlength'), String(Buffer.byteLength(object.ical))],
      [key(DAV_NS, 'getlastmodified'), object.modified_at.toUTCString()],
      [key(DAV_NS, 'creationdate'), object.created_at.toISOString()],
      [key(CALDAV_NS, 'calendar-data'), calendarData],
    ]);
    return { href: objectHref(c.club, calendar, object.name), props };
  }

  // Rendering

  function responseXml(
    ns: Namespaces,
    resource: Resource,
    mode: 'allprop' | 'propname' | PropName[],
  ): string {
    const found: string[] = [];
    const missing: string[] = [];
    const [namespaceOf, nameOf] = [
      (k: string) => k.slice(0, k.indexOf('|')),
      (k: string) => k.slice(k.indexOf('|') + 1),
    ];
    if (mode === 'propname') {
      for (const k of resource.props.keys()) found.push(ns.element(namespaceOf(k), nameOf(k), null));
    } else {
      const wanted =
        mode === 'allprop'
          ? [...resource.props.keys()].filter((k) => !NOT_IN_ALLPROP.has(k))
          : mode.map((p) => key(p.namespace, p.name));
      for (const k of wanted) {
        const value = resource.props.get(k);
        const element = (content: string | null) => ns.element(namespaceOf(k), nameOf(k), content);
        if (value === undefined) missing.push(element(null));
        else found.push(element(typeof value === 'function' ? value() : value));
      }
    }
    const propstat = (props: string[], status: string) =>
      props.length
        ? `<D:propstat><D:prop>${props.join('')}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`
        : '';
    return (
      `<D:response><D:href>${escapeXml(resource.href)}</D:href>` +
      propstat(found, '200 OK') +
      propstat(missing, '404 Not Found') +
      '</D:response>'
    );
  }

  function multistatus(reply: FastifyReply, ns: Namespaces, responses: string[], extra = '') {
    const body = `<D:multistatus${ns.declarations()}>${responses.join('')}${extra}</D:multistatus>`;
    return send(reply, 207, body);
  }

  function send(reply: FastifyReply, status: number, xml: string) {
    return reply
      .code(status)
      .header('content-type', 'application/xml; charset=utf-8')
      .send(XML_HEADER + xml);
  }

  function requestedProps(prop: Element | undefined): PropName[] {
    return prop
      ? elementChildren(prop).map((e) => ({ namespace: e.namespaceURI ?? '', name: e.localName ?? '' }))
      : [];
  }

  function propfindMode(body: Element | null): 'allprop' | 'propname' | PropName[] {
    if (!body) return 'allprop';
    if (!isDav(body, 'propfind')) throw Errors.badRequest('Expected a DAV:propfind body');
    const prop = davChild(body, 'prop');
    if (prop) return requestedProps(prop);
    return davChild(body, 'propname') ? 'propname' : 'allprop';
  }

  // Resolution of a path to what it names

  type Target =
    | { kind: 'root' }
    | { kind: 'principals' }
    | { kind: 'principal' }
    | { kind: 'home'; c: ClubAccess }
    | { kind: 'calendar'; c: ClubAccess; calendar: CloudCalendar }
    | { kind: 'new-calendar'; c: ClubAccess; slug: string }
    | {
        kind: 'object';
        c: ClubAccess;
        calendar: CloudCalendar;
        name: string;
        object: CloudCalendarObject | undefined;
      };

  async function resolve(principal: Principal, segments: string[]): Promise<Target> {
    if (segments[0] === 'principals') {
      if (segments.length === 1) return { kind: 'principals' };
      if (segments.length === 2 && segments[1] === principal.userId) return { kind: 'principal' };
      throw Errors.notFound('Principal');
    }
    if (segments.length === 1) return { kind: 'root' };
    const c = await clubAccess(principal, segments[1]!);
    if (segments.length === 2) return { kind: 'home', c };
    const calendar = await calendars.calendar(c.club, segments[2]!);
    if (segments.length === 3)
      return calendar ? { kind: 'calendar', c, calendar } : { kind: 'new-calendar', c, slug: segments[2]! };
    if (!calendar || segments.length > 4) throw Errors.notFound('Calendar');
    const name = segments[3]!;
    return { kind: 'object', c, calendar, name, object: await calendars.object(calendar, name) };
  }

  // Handlers

  async function propfind(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    target: Target,
  ) {
    const depth = header(request, 'depth') ?? 'infinity';
    if (!['0', '1', 'infinity'].includes(depth)) throw Errors.badRequest('Depth must be 0, 1 or infinity');
    const mode = propfindMode(parseXml(await readBody(request.body as Readable)));
    if (depth === 'infinity' && target.kind !== 'object')
      return send(reply, 403, '<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>');
    const resources: Resource[] = [];
    const deep = depth === '1';
    switch (target.kind) {
      case 'principals':
        resources.push(collectionResource(principal, PRINCIPALS, 'principals', 'read'));
        if (deep) resources.push(await principalResource(principal));
        break;
      case 'principal':
        resources.push(await principalResource(principal));
        break;
      case 'root': {
        resources.push(collectionResource(principal, CALENDARS, 'calendars', 'read'));
        if (deep)
          for (const c of await clubsOf(principal))
            resources.push(collectionResource(principal, homeHref(c.club), c.club.name, c.access));
        break;
      }
      case 'home':
        resources.push(
          collectionResource(principal, homeHref(target.c.club), target.c.club.name, target.c.access),
        );
        if (deep)
          for (const calendar of await calendars.calendars(target.c.club))
            resources.push(calendarResource(principal, target.c, calendar));
        break;
      case 'calendar':
        resources.push(calendarResource(principal, target.c, target.calendar));
        if (deep)
          for (const object of await calendars.objects(target.calendar))
            resources.push(objectResource(target.c, target.calendar, object));
        break;
      case 'object':
        if (!target.object) throw Errors.notFound('Event');
        resources.push(objectResource(target.c, target.calendar, target.object));
        break;
      case 'new-calendar':
        throw Errors.notFound('Calendar');
    }
    const ns = new Namespaces();
    return multistatus(
      reply,
      ns,
      resources.map((r) => responseXml(ns, r, mode)),
    );
  }

  async function proppatch(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    target: Target,
  ) {
    const body = parseXml(await readBody(request.body as Readable));
    if (!body || !isDav(body, 'propertyupdate'))
      throw Errors.badRequest('Expected a DAV:propertyupdate body');
    const changes: { prop: PropName; value: string | null }[] = [];
    for (const action of elementChildren(body)) {
      const remove = isDav(action, 'remove');
      if (!remove && !isDav(action, 'set')) continue;
      const prop = davChild(action, 'prop');
      for (const element of prop ? elementChildren(prop) : [])
        changes.push({
          prop: { namespace: element.namespaceURI ?? '', name: element.localName ?? '' },
          value: remove ? null : (element.textContent ?? ''),
        });
    }
    const writable: Record<string, 'name' | 'description' | 'color'> = {
      [key(DAV_NS, 'displayname')]: 'name',
      [key(CALDAV_NS, 'calendar-description')]: 'description',
      [key(APPLE_NS, 'calendar-color')]: 'color',
    };
    const allowed =
      target.kind === 'calendar' &&
      calendarPolicy.mayManageCalendars(target.c.club, await membershipOf(target.c, principal));
    const refused = changes.filter((c) => !allowed || !writable[key(c.prop.namespace, c.prop.name)]);
    const ns = new Namespaces();
    const href =
      target.kind === 'calendar'
        ? calendarHref(target.c.club, target.calendar)
        : (request.raw.url ?? '').split('?')[0]!;
    const statusFor = (c: (typeof changes)[number]) =>
      refused.length === 0 ? '200 OK' : refused.includes(c) ? '403 Forbidden' : '424 Failed Dependency';
    if (refused.length === 0 && target.kind === 'calendar' && changes.length > 0) {
      const values: Partial<{ name: string; description: string | null; color: string | null }> = {};
      for (const c of changes) {
        const field = writable[key(c.prop.namespace, c.prop.name)]!;
        if (field === 'name') values.name = c.value?.trim() || target.calendar.slug;
        else values[field] = c.value;
      }
      await calendars.updateCalendar(target.c.club, target.calendar, values, actorOf(principal, request));
    }
    const propstats = changes
      .map(
        (c) =>
          `<D:propstat><D:prop>${ns.element(c.prop.namespace, c.prop.name, null)}</D:prop><D:status>HTTP/1.1 ${statusFor(c)}</D:status></D:propstat>`,
      )
      .join('');
    return multistatus(reply, ns, [
      `<D:response><D:href>${escapeXml(href)}</D:href>${propstats}</D:response>`,
    ]);
  }

  const membershipOf = (c: ClubAccess, principal: Principal) =>
    ctx.clubs.membership(c.club.id, principal.userId);

  async function mkcalendar(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    target: Target,
  ) {
    const body = parseXml(await readBody(request.body as Readable));
    if (target.kind === 'calendar' || target.kind === 'object')
      throw davError(405, DAV_NS, 'resource-must-be-null', 'A resource exists at this URL');
    if (target.kind !== 'new-calendar')
      throw Errors.forbidden('Calendars are created in a club calendar home');
    if (!calendarPolicy.mayManageCalendars(target.c.club, await membershipOf(target.c, principal)))
      throw Errors.forbidden('You may only read the calendars of this club');
    let name = target.slug;
    let description: string | null = null;
    let color: string | null = null;
    const prop = body ? davChild(davChild(body, 'set') ?? body, 'prop') : undefined;
    for (const element of prop ? elementChildren(prop) : []) {
      if (isDav(element, 'displayname')) name = element.textContent ?? name;
      else if (isCaldav(element, 'calendar-description')) description = element.textContent ?? null;
      else if (element.namespaceURI === APPLE_NS && element.localName === 'calendar-color')
        color = element.textContent ?? null;
    }
    await calendars.createCalendar(
      target.c.club,
      { slug: target.slug, name, description, color },
      actorOf(principal, request),
    );
    return reply.code(201).header('content-length', '0').send();
  }

  async function get(reply: FastifyReply, target: Target, head: boolean) {
    if (target.kind !== 'object') return reply.code(405).header('allow', 'OPTIONS, PROPFIND, REPORT').send();
    if (!target.object) throw Errors.notFound('Event');
    reply
      .header('etag', target.object.etag)
      .header('last-modified', target.object.modified_at.toUTCString())
      .header('content-type', 'text/calendar; charset=utf-8');
    return head
      ? reply.header('content-length', String(Buffer.byteLength(target.object.ical))).send()
      : reply.send(target.object.ical);
  }

  async function put(request: FastifyRequest, reply: FastifyReply, principal: Principal, target: Target) {
    if (target.kind !== 'object') throw Errors.forbidden('Only calendar objects can be written');
    if (!calendarPolicy.mayWrite(target.c.club, await membershipOf(target.c, principal)))
      throw Errors.forbidden('You may only read the calendars of this club');
    const type = header(request, 'content-type') ?? 'text/calendar';
    if (!/^text\/calendar\b/i.test(type))
      throw davError(415, CALDAV_NS, 'supported-calendar-data', 'Calendar objects are text/calendar');
    const body = await readBody(request.body as Readable, MAX_ICAL_BYTES).catch((error: unknown) => {
      if (isAppError(error) && error.status === 413)
        throw davError(413, CALDAV_NS, 'max-resource-size', 'The calendar object is too large');
      throw error;
    });
    const text = body.toString('utf8');
    if (text.includes('\uFFFD')) throw new CalendarDataError('Calendar data must be UTF-8');
    const { object, created } = await calendars.putObject(
      target.calendar,
      target.name,
      text,
      { ifMatch: header(request, 'if-match'), ifNoneMatch: header(request, 'if-none-match') },
      actorOf(principal, request),
    );
    return reply
      .code(created ? 201 : 204)
      .header('etag', object.etag)
      .send();
  }

  async function remove(request: FastifyRequest, reply: FastifyReply, principal: Principal, target: Target) {
    const membership =
      target.kind === 'calendar' || target.kind === 'object' ? await membershipOf(target.c, principal) : null;
    if (target.kind === 'calendar') {
      if (!calendarPolicy.mayManageCalendars(target.c.club, membership!)) throw Errors.forbidden();
      await calendars.deleteCalendar(target.c.club, target.calendar, actorOf(principal, request));
      return reply.code(204).send();
    }
    if (target.kind !== 'object') throw Errors.forbidden('This collection cannot be deleted');
    if (!target.object) throw Errors.notFound('Event');
    if (!calendarPolicy.mayWrite(target.c.club, membership!)) throw Errors.forbidden();
    await calendars.deleteObject(
      target.calendar,
      target.name,
      { ifMatch: header(request, 'if-match') },
      actorOf(principal, request),
    );
    return reply.code(204).send();
  }

  /** calendar-data in a REPORT's prop: the stored text, or expanded (RFC 4791 9.6.5). */
  function calendarDataOf(prop: Element | undefined): (object: CloudCalendarObject) => () => string {
    const element = prop ? caldavChild(prop, 'calendar-data') : undefined;
    const expandElement = element ? caldavChild(element, 'expand') : undefined;
    if (!expandElement) return (object) => () => escapeXml(object.ical);
    const start = utcAttribute(expandElement, 'start');
    const end = utcAttribute(expandElement, 'end');
    if (!start || !end || end <= start)
      throw davError(400, CALDAV_NS, 'valid-filter', 'expand needs start < end');
    return (object) => () =>
      escapeXml(
        object.component === 'VEVENT' ? expandedText(parseObject(object.ical), start, end) : object.ical,
      );
  }

  async function report(request: FastifyRequest, reply: FastifyReply, principal: Principal, target: Target) {
    const body = parseXml(await readBody(request.body as Readable));
    if (!body) throw Errors.badRequest('A REPORT needs a body');
    const ns = new Namespaces();
    const prop = davChild(body, 'prop');
    const props = requestedProps(prop);
    const mode: 'allprop' | PropName[] = prop ? props : 'allprop';
    const data = calendarDataOf(prop);
    if (target.kind !== 'calendar' && target.kind !== 'object')
      throw davError(403, DAV_NS, 'supported-report', 'This report is not supported here');

    if (isCaldav(body, 'calendar-multiget')) {
      const hrefs = elementChildren(body)
        .filter((e) => isDav(e, 'href'))
        .map((e) => (e.textContent ?? '').trim());
      const names = new Map<string, string>();
      for (const href of hrefs) {
        let pathname: string;
        try {
          pathname = new URL(href, 'http://x').pathname;
        } catch {
          continue;
        }
        const prefix = calendarHref(target.c.club, target.calendar);
        if (pathname.startsWith(prefix)) {
          try {
            names.set(href, decodeURIComponent(pathname.slice(prefix.length)));
          } catch {
            // A badly encoded href is answered 404 below.
          }
        }
      }
      const objects = await calendars.objectsByNames(target.calendar, [...new Set(names.values())]);
      const byName = new Map(objects.map((o) => [o.name, o]));
      const responses = hrefs.map((href) => {
        const object = byName.get(names.get(href) ?? '');
        return object
          ? responseXml(ns, objectResource(target.c, target.calendar, object, data(object)), mode)
          : `<D:response><D:href>${escapeXml(href)}</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>`;
      });
      return multistatus(reply, ns, responses);
    }

    if (isCaldav(body, 'calendar-query')) {
      const filter = caldavChild(body, 'filter');
      const vcalendar = filter ? caldavChild(filter, 'comp-filter') : undefined;
      if (!vcalendar || vcalendar.getAttribute('name')?.toUpperCase() !== 'VCALENDAR')
        throw davError(403, CALDAV_NS, 'valid-filter', 'The filter must start with a VCALENDAR comp-filter');
      const inner = caldavChild(vcalendar, 'comp-filter');
      const component = inner?.getAttribute('name')?.toUpperCase() ?? null;
      const range = inner ? caldavChild(inner, 'time-range') : undefined;
      const from = range ? utcAttribute(range, 'start') : null;
      const to = range ? utcAttribute(range, 'end') : null;
      const candidates =
        target.kind === 'object'
          ? target.object
            ? [target.object]
            : []
          : await calendars.objectsInRange(target.calendar, from, to);
      const propFilters = inner
        ? elementChildren(inner)
            .filter((e) => isCaldav(e, 'prop-filter'))
            .map(propFilterOf)
        : [];
      const matching = candidates.filter((o) => {
        if (component && o.component !== component) return false;
        if (!range && propFilters.length === 0) return true;
        const parsed = parseObject(o.ical);
        return (!range || overlapsRange(parsed, from, to)) && matchesPropFilters(parsed, propFilters);
      });
      return multistatus(
        reply,
        ns,
        matching.map((o) => responseXml(ns, objectResource(target.c, target.calendar, o, data(o)), mode)),
      );
    }

    if (isDav(body, 'sync-collection')) {
      if (target.kind !== 'calendar')
        throw davError(403, DAV_NS, 'supported-report', 'Sync a calendar collection');
      const level = (davChild(body, 'sync-level')?.textContent ?? '1').trim();
      if (level !== '1') throw davError(403, DAV_NS, 'supported-report', 'Only sync-level 1 is supported');
      const token = (davChild(body, 'sync-token')?.textContent ?? '').trim();
      const calendar = target.calendar;
      let revision = 0;
      if (token !== '') {
        const match = new RegExp(`^${SYNC_PREFIX}([0-9a-f-]{36}):(\\d{1,15})$`).exec(token);
        if (!match || match[1] !== calendar.id)
          throw davError(403, DAV_NS, 'valid-sync-token', 'The sync token is not valid for this calendar');
        revision = Number(match[2]);
      }
      const changes = await calendars.changesSince(calendar, revision);
      if (!changes)
        throw davError(403, DAV_NS, 'valid-sync-token', 'The sync token is not valid for this calendar');
      const current = new Map(
        (
          await calendars.objectsByNames(
            calendar,
            changes.filter((c) => !c.deleted).map((c) => c.name),
          )
        ).map((o) => [o.name, o]),
      );
      const responses: string[] = [];
      for (const change of changes) {
        const object = current.get(change.name);
        if (object)
          responses.push(responseXml(ns, objectResource(target.c, calendar, object, data(object)), mode));
        else if (token !== '')
          responses.push(
            `<D:response><D:href>${escapeXml(objectHref(target.c.club, calendar, change.name))}</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>`,
          );
      }
      const latest = Math.max(
        revision,
        ...changes.map((c) => c.revision),
        token === '' ? calendar.revision : 0,
      );
      return multistatus(
        reply,
        ns,
        responses,
        `<D:sync-token>${escapeXml(`${SYNC_PREFIX}${calendar.id}:${latest}`)}</D:sync-token>`,
      );
    }
    throw davError(403, DAV_NS, 'supported-report', 'This report is not supported');
  }

  // Entry

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const method = request.method;
    reply.header('dav', '1, 3, calendar-access');
    if (method === 'OPTIONS') {
      (request.body as Readable | undefined)?.resume();
      return reply.header('allow', ALLOW).header('content-length', '0').code(200).send();
    }
    const principal = requireDavPrincipal(request, reply, 'calendars');
    const rawPath = (request.raw.url ?? '/').split('?')[0]!;
    const segments = splitDavPath(rawPath.slice('/dav/'.length));
    if (segments.some((s) => s === '.' || s === '..' || s.includes('\u0000')))
      throw Errors.badRequest('Bad path');
    const target = await resolve(principal, segments);
    switch (method) {
      case 'PROPFIND':
        return propfind(request, reply, principal, target);
      case 'PROPPATCH':
        return proppatch(request, reply, principal, target);
      case 'REPORT':
        return report(request, reply, principal, target);
      case 'MKCALENDAR':
        return mkcalendar(request, reply, principal, target);
      case 'GET':
      case 'HEAD':
        (request.body as Readable | undefined)?.resume();
        return get(reply, target, method === 'HEAD');
      case 'PUT':
        return put(request, reply, principal, target);
      case 'DELETE':
        (request.body as Readable | undefined)?.resume();
        return remove(request, reply, principal, target);
      default:
        (request.body as Readable | undefined)?.resume();
        return reply.code(405).header('allow', ALLOW).send();
    }
  }

  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    app.setErrorHandler((error, request, reply) => {
      (request.body as Readable | undefined)?.resume?.();
      if (isAppError(error)) {
        if (error.status >= 500) request.log.error({ err: error }, 'CalDAV request failed');
        const tagged = error as AppError & { namespace?: string; condition?: string };
        const condition =
          error instanceof CalendarDataError
            ? { namespace: CALDAV_NS, condition: error.precondition }
            : tagged.namespace && tagged.condition
              ? { namespace: tagged.namespace, condition: tagged.condition }
              : null;
        if (condition) {
          const ns = new Namespaces();
          const element = ns.element(condition.namespace, condition.condition, null);
          return send(
            reply,
            error.status,
            `<D:error${ns.declarations()}>${element}<D:responsedescription>${escapeXml(error.message)}</D:responsedescription></D:error>`,
          );
        }
      }
      return replyPlainDavError(request, reply, error, 'CalDAV');
    });
    const methods = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', ...EXTRA_METHODS];
    for (const url of [
      '/dav/calendars',
      '/dav/calendars/',
      '/dav/calendars/*',
      '/dav/principals',
      '/dav/principals/',
      '/dav/principals/*',
    ])
      app.route({ method: methods, url, exposeHeadRoute: false, handler: handle });
    // RFC 6764: clients start here and follow to the context path, then ask for current-user-principal.
    app.route({
      method: ['GET', 'HEAD', 'PROPFIND', 'OPTIONS'],
      url: '/.well-known/caldav',
      handler: (request, reply) => {
        (request.body as Readable | undefined)?.resume();
        return reply.code(301).header('location', CALENDARS).send();
      },
    });
  };
}

/** Registers REPORT and MKCALENDAR with Fastify's router (once per instance; WebDAV's are registered already). */
export function registerCaldavMethods(app: FastifyInstance): void {
  for (const method of EXTRA_METHODS)
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
}

interface PropFilter {
  name: string;
  notDefined: boolean;
  text: string | null;
  negate: boolean;
}

/** A prop-filter with is-not-defined or a case-insensitive substring text-match (RFC 4791 9.7.2). */
function propFilterOf(element: Element): PropFilter {
  const textMatch = caldavChild(element, 'text-match');
  return {
    name: (element.getAttribute('name') ?? '').toLowerCase(),
    notDefined: caldavChild(element, 'is-not-defined') !== undefined,
    text: textMatch ? (textMatch.textContent ?? '').toLowerCase() : null,
    negate: textMatch?.getAttribute('negate-condition') === 'yes',
  };
}

function matchesPropFilters(parsed: ParsedObject, filters: PropFilter[]): boolean {
  if (filters.length === 0) return true;
  return parsed.calendar.getAllSubcomponents(parsed.component.toLowerCase()).some((component) =>
    filters.every((f) => {
      const values = component.getAllProperties(f.name).map((p) => String(p.getFirstValue()).toLowerCase());
      if (f.notDefined) return values.length === 0;
      if (values.length === 0) return false;
      if (f.text === null) return true;
      const hit = values.some((v) => v.includes(f.text!));
      return f.negate ? !hit : hit;
    }),
  );
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
