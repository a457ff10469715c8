// iCalendar with ical.js: validating a calendar object resource (RFC 4791 4.1), the span of its
// occurrences for the indexed time-range columns, recurrence expansion, and building simple events.
// Times without a zone ("floating") are read as UTC, the way the server compares them.
import ICAL from 'ical.js';
import { AppError } from '../../core/errors.js';
import type { CalendarComponent } from '../../core/db/schema.js';

/** The CalDAV precondition a bad object violates; the DAV edge renders it as an XML error body. */
export class CalendarDataError extends AppError {
  constructor(
    message: string,
    readonly precondition = 'valid-calendar-data',
  ) {
    super('calendar_invalid_data', precondition === 'no-uid-conflict' ? 409 : 400, message);
  }
}

const COMPONENTS: CalendarComponent[] = ['VEVENT', 'VTODO', 'VJOURNAL'];
/** Expansion stops after this many occurrences per object, so a hostile rule cannot spin. */
const MAX_OCCURRENCES = 5000;
/** A single object is at most this large (RFC 4791 max-resource-size). */
export const MAX_ICAL_BYTES = 512 * 1024;

export interface ParsedObject {
  uid: string;
  component: CalendarComponent;
  summary: string | null;
  firstStart: Date | null;
  /** null when a recurrence never ends. */
  lastEnd: Date | null;
  recurring: boolean;
  /** The parsed VCALENDAR, for further use. */
  calendar: ICAL.Component;
}

export interface Occurrence {
  start: Date;
  end: Date;
  allDay: boolean;
  recurrenceId: Date | null;
  summary: string | null;
  location: string | null;
  description: string | null;
}

/** ical.js's occurrence details (its type declarations leave the shape unresolved). */
interface OccurrenceDetails {
  recurrenceId: ICAL.Time;
  item: ICAL.Event;
  startDate: ICAL.Time;
  endDate: ICAL.Time;
}

function occurrenceDetails(event: ICAL.Event, time: ICAL.Time): OccurrenceDetails {
  const details: unknown = event.getOccurrenceDetails(time);
  return details as OccurrenceDetails;
}

export function toDate(time: ICAL.Time): Date {
  if (time.isDate || !time.zone || time.zone.tzid === 'floating')
    return new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second));
  return time.toJSDate();
}

function registerTimezones(calendar: ICAL.Component) {
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = vtimezone.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string' && !ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(vtimezone);
  }
}

/** Parses and checks one calendar object resource: one VCALENDAR, one UID, one kind of component. */
export function parseObject(text: string): ParsedObject {
  if (Buffer.byteLength(text) > MAX_ICAL_BYTES)
    throw new CalendarDataError('The calendar object is too large', 'max-resource-size');
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    throw new CalendarDataError('The body is not valid iCalendar data');
  }
  if (calendar.name !== 'vcalendar') throw new CalendarDataError('Expected a VCALENDAR');
  const components = calendar
    .getAllSubcomponents()
    .filter((c) => COMPONENTS.includes(c.name.toUpperCase() as CalendarComponent));
  const kinds = new Set(components.map((c) => c.name.toUpperCase() as CalendarComponent));
  if (components.length === 0 || kinds.size !== 1)
    throw new CalendarDataError('Expected events, tasks or journal entries of one kind');
  const uids = new Set(components.map((c) => c.getFirstPropertyValue('uid')));
  const uid = [...uids][0];
  if (uids.size !== 1 || typeof uid !== 'string' || uid === '')
    throw new CalendarDataError('All components need the same non-empty UID');
  if (calendar.getFirstPropertyValue('method') !== null)
    throw new CalendarDataError('A stored object must not have a METHOD property');
  const component = [...kinds][0]!;
  try {
    registerTimezones(calendar);
    const span = spanOf(calendar, component);
    const master = components.find((c) => !c.hasProperty('recurrence-id')) ?? components[0]!;
    const summary = master.getFirstPropertyValue('summary');
    return {
      uid,
      component,
      summary: typeof summary === 'string' ? summary : null,
      ...span,
      calendar,
    };
  } catch (error) {
    if (error instanceof CalendarDataError) throw error;
    throw new CalendarDataError('The dates or recurrence rules cannot be read');
  }
}

/** Events of the object with their exceptions related to the master. */
function eventsOf(calendar: ICAL.Component): ICAL.Event[] {
  const vevents = calendar.getAllSubcomponents('vevent');
  const master = vevents.find((c) => !c.hasProperty('recurrence-id'));
  if (!master) return vevents.map((c) => new ICAL.Event(c));
  const event = new ICAL.Event(master);
  for (const exception of vevents) if (exception !== master) event.relateException(exception);
  return [event];
}

function spanOf(calendar: ICAL.Component, component: CalendarComponent) {
  if (component !== 'VEVENT') {
    const item = calendar.getFirstSubcomponent(component.toLowerCase())!;
    const start = item.getFirstPropertyValue('dtstart') ?? item.getFirstPropertyValue('due');
    const date = start instanceof ICAL.Time ? toDate(start) : null;
    return { firstStart: date, lastEnd: date, recurring: item.hasProperty('rrule') };
  }
  let firstStart: Date | null = null;
  let lastEnd: Date | null = null;
  let endless = false;
  let recurring = false;
  for (const event of eventsOf(calendar)) {
    if (!event.startDate) throw new CalendarDataError('An event needs DTSTART');
    if (event.isRecurring()) {
      recurring = true;
      const rules = event.component.getAllProperties('rrule').map((p) => p.getFirstValue() as ICAL.Recur);
      if (rules.some((r) => !r.count && !r.until)) endless = true;
    }
    const occurrences = expandEvent(event, null, null, endless ? 1 : MAX_OCCURRENCES);
    if (!endless && occurrences.length >= MAX_OCCURRENCES) endless = true;
    for (const o of occurrences) {
      if (!firstStart || o.start < firstStart) firstStart = o.start;
      if (!lastEnd || o.end > lastEnd) lastEnd = o.end;
    }
    // Moved occurrences may lie outside the rule's own span.
    for (const exception of Object.values(event.exceptions)) {
      const start = toDate(exception.startDate);
      const end = toDate(exception.endDate);
      if (!firstStart || start < firstStart) firstStart = start;
      if (!lastEnd || end > lastEnd) lastEnd = end;
    }
  }
  return { firstStart, lastEnd: endless ? null : lastEnd, recurring };
}

function occurrence(
  start: ICAL.Time,
  end: ICAL.Time,
  item: ICAL.Event,
  recurrenceId: Date | null,
): Occurrence {
  const startDate = toDate(start);
  let endDate = toDate(end);
  // An all-day event without DTEND lasts its day (RFC 5545 3.6.1).
  if (endDate <= startDate && start.isDate) endDate = new Date(startDate.getTime() + 86_400_000);
  return {
    start: startDate,
    end: endDate,
    allDay: start.isDate,
    recurrenceId,
    summary: item.summary || null,
    location: item.location || null,
    description: item.description || null,
  };
}

/** Occurrences of one event overlapping [from, to) (either bound may be open), at most `limit`. */
function expandEvent(event: ICAL.Event, from: Date | null, to: Date | null, limit: number): Occurrence[] {
  const result: Occurrence[] = [];
  const overlaps = (o: Occurrence) =>
    (!to || o.start < to) &&
    (!from || o.end > from || (o.start.getTime() === o.end.getTime() && o.start >= from));
  if (!event.isRecurring()) {
    const o = occurrence(event.startDate, event.endDate, event, null);
    return overlaps(o) ? [o] : [];
  }
  const iterator = event.iterator();
  let steps = 0;
  for (let next = iterator.next(); next && steps < MAX_OCCURRENCES * 4; next = iterator.next()) {
    steps++;
    const details = occurrenceDetails(event, next);
    const o = occurrence(details.startDate, details.endDate, details.item, toDate(details.recurrenceId));
    if (to && toDate(next) >= to && o.start >= to) break;
    if (overlaps(o)) result.push(o);
    if (result.length >= limit) break;
  }
  return result;
}

/** All occurrences of the object's events overlapping [from, to), sorted by start. */
export function expand(
  calendar: ICAL.Component,
  from: Date | null,
  to: Date | null,
  limit = MAX_OCCURRENCES,
) {
  registerTimezones(calendar);
  return eventsOf(calendar)
    .flatMap((e) => expandEvent(e, from, to, limit))
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Whether a calendar object has an occurrence in the range (CALDAV:time-range on VEVENT). */
export function overlapsRange(parsed: ParsedObject, from: Date | null, to: Date | null): boolean {
  if (parsed.component !== 'VEVENT') {
    const at = parsed.firstStart;
    return at === null || ((!from || at >= from) && (!to || at < to));
  }
  return expand(parsed.calendar, from, to, 1).length > 0;
}

/**
 * RFC 4791 9.6.5 expand: the object rewritten as one instance per occurrence in the range, in UTC,
 * with RECURRENCE-ID and without RRULE/RDATE/EXDATE.
 */
export function expandedText(parsed: ParsedObject, from: Date, to: Date): string {
  // The calendar's own properties (VERSION, PRODID…) without its components; times become UTC.
  const properties = (parsed.calendar.toJSON() as unknown[])[1];
  const calendar = new ICAL.Component(['vcalendar', ICAL.helpers.clone(properties, true), []]);
  for (const event of eventsOf(parsed.calendar)) {
    if (!event.isRecurring()) {
      calendar.addSubcomponent(utcCopy(event.component, null, event.startDate, event.endDate));
      continue;
    }
    const iterator = event.iterator();
    let count = 0;
    for (let next = iterator.next(); next && count < MAX_OCCURRENCES; next = iterator.next()) {
      const details = occurrenceDetails(event, next);
      const start = toDate(details.startDate);
      if (start >= to) break;
      if (toDate(details.endDate) <= from) continue;
      count++;
      calendar.addSubcomponent(
        utcCopy(details.item.component, details.recurrenceId, details.startDate, details.endDate),
      );
    }
  }
  return calendar.toString();
}

function utcTime(time: ICAL.Time): ICAL.Time {
  if (time.isDate) return time;
  return ICAL.Time.fromJSDate(toDate(time), true);
}

function utcCopy(source: ICAL.Component, recurrenceId: ICAL.Time | null, start: ICAL.Time, end: ICAL.Time) {
  const copy = new ICAL.Component(ICAL.helpers.clone(source.toJSON(), true) as unknown[]);
  for (const name of ['rrule', 'rdate', 'exdate', 'dtstart', 'dtend', 'duration', 'recurrence-id'])
    copy.removeAllProperties(name);
  copy.addPropertyWithValue('dtstart', utcTime(start));
  copy.addPropertyWithValue('dtend', utcTime(end));
  if (recurrenceId) copy.addPropertyWithValue('recurrence-id', utcTime(recurrenceId));
  return copy;
}

export interface SimpleEvent {
  uid: string;
  summary: string;
  description: string | null;
  location: string | null;
  start: Date;
  end: Date;
  allDay: boolean;
  /** An RRULE value such as FREQ=WEEKLY;COUNT=10, or null. */
  rrule: string | null;
  /** Dates of cancelled occurrences (their original start). */
  exdates: Date[];
  organizer?: { email: string; name: string } | null;
  attendees?: string[];
  method?: 'REQUEST' | null;
}

const PRODID = '-//Smart Region Platform//Vereinscloud//DE';

function icalTime(date: Date, allDay: boolean): ICAL.Time {
  const time = ICAL.Time.fromJSDate(date, true);
  if (allDay) time.isDate = true;
  return time;
}

/** Builds a VCALENDAR with one VEVENT (the web form, invitations). */
export function buildEvent(event: SimpleEvent): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', PRODID);
  calendar.addPropertyWithValue('version', '2.0');
  if (event.method) calendar.addPropertyWithValue('method', event.method);
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', event.uid);
  vevent.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(), true));
  vevent.addPropertyWithValue('dtstart', icalTime(event.start, event.allDay));
  vevent.addPropertyWithValue('dtend', icalTime(event.end, event.allDay));
  vevent.addPropertyWithValue('summary', event.summary);
  if (event.description) vevent.addPropertyWithValue('description', event.description);
  if (event.location) vevent.addPropertyWithValue('location', event.location);
  if (event.rrule) {
    let recur: ICAL.Recur;
    try {
      recur = ICAL.Recur.fromString(event.rrule);
    } catch {
      throw new CalendarDataError('The recurrence rule cannot be read');
    }
    vevent.addPropertyWithValue('rrule', recur);
    for (const exdate of event.exdates) vevent.addPropertyWithValue('exdate', icalTime(exdate, event.allDay));
  }
  if (event.organizer) {
    const organizer = vevent.addPropertyWithValue('organizer', `mailto:${event.organizer.email}`);
    organizer.setParameter('cn', event.organizer.name);
  }
  for (const attendee of event.attendees ?? []) {
    const property = vevent.addPropertyWithValue('attendee', `mailto:${attendee}`);
    property.setParameter('rsvp', 'TRUE');
    property.setParameter('partstat', 'NEEDS-ACTION');
  }
  calendar.addSubcomponent(vevent);
  return calendar.toString();
}

/** The master event of an object as the simple shape the web form edits. */
export function simpleEventOf(parsed: ParsedObject): Omit<SimpleEvent, 'uid'> | null {
  const master = parsed.calendar.getAllSubcomponents('vevent').find((c) => !c.hasProperty('recurrence-id'));
  if (!master) return null;
  const event = new ICAL.Event(master);
  const start = toDate(event.startDate);
  let end = toDate(event.endDate);
  if (end <= start && event.startDate.isDate) end = new Date(start.getTime() + 86_400_000);
  const rrule = master.getFirstPropertyValue('rrule');
  const exdates = master
    .getAllProperties('exdate')
    .flatMap((p) => p.getValues() as unknown[])
    .filter((v): v is ICAL.Time => v instanceof ICAL.Time)
    .map(toDate);
  return {
    summary: event.summary ?? '',
    description: event.description || null,
    location: event.location || null,
    start,
    end,
    allDay: event.startDate.isDate,
    rrule: rrule instanceof ICAL.Recur ? rrule.toString() : null,
    exdates,
  };
}

/** Public feeds: the VEVENTs of several objects in one VCALENDAR (with their VTIMEZONEs). */
export function feed(name: string, objects: string[]): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', PRODID);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('x-wr-calname', name);
  const zones = new Set<string>();
  for (const text of objects) {
    const source = new ICAL.Component(ICAL.parse(text) as unknown[]);
    for (const vtimezone of source.getAllSubcomponents('vtimezone')) {
      const tzid = String(vtimezone.getFirstPropertyValue('tzid'));
      if (zones.has(tzid)) continue;
      zones.add(tzid);
      calendar.addSubcomponent(vtimezone);
    }
    for (const vevent of source.getAllSubcomponents('vevent')) {
      // Attendees and alarms are the club's business, not the public's.
      vevent.removeAllProperties('attendee');
      for (const alarm of vevent.getAllSubcomponents('valarm')) vevent.removeSubcomponent(alarm);
      calendar.addSubcomponent(vevent);
    }
  }
  return calendar.toString();
}

/**
 * One iCalendar file of many stored objects (for the club export): their components under one
 * VCALENDAR, each time zone once. Objects that do not parse are left out rather than breaking the file.
 */
export function combinedCalendar(name: string, texts: string[]): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('prodid', '-//Smart Region Platform//Vereinscloud Export//DE');
  calendar.addPropertyWithValue('x-wr-calname', name);
  const zones = new Set<string>();
  for (const text of texts) {
    let parsed: ICAL.Component;
    try {
      parsed = new ICAL.Component(ICAL.parse(text) as unknown[]);
    } catch {
      continue;
    }
    for (const component of parsed.getAllSubcomponents()) {
      if (component.name === 'vtimezone') {
        const tzid = String(component.getFirstPropertyValue('tzid') ?? '');
        if (zones.has(tzid)) continue;
        zones.add(tzid);
      }
      calendar.addSubcomponent(component);
    }
  }
  return calendar.toString();
}
