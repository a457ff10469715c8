// SensorThings MQTT topics (STA 1.1, MQTT extension): the topic is the resource path below the service
// root with the version in front, e.g. `v1.1/Datastreams(1)/Observations`, optionally followed by
// `?$select=…` on subscriptions. This parser is the one place that turns a topic into what the
// HTTP handler understands (a path and a query), and decides what may be published and subscribed.
import { isEntitySet, MODEL, navOf, propertyOf, type EntitySetName } from '../entities/model.js';

export const STA_VERSION = 'v1.1';

/** Parents below which Observations may be created by publishing. */
const OBSERVATION_PARENTS: readonly EntitySetName[] = [
  'Datastreams',
  'MultiDatastreams',
  'FeaturesOfInterest',
];

interface TopicBase {
  /** Resource path for the SensorThings handler, e.g. "/Datastreams(1)/Observations". */
  path: string;
  /** Query string for the handler ("" or "$select=result,phenomenonTime"). */
  query: string;
}

export type StaTopic =
  | (TopicBase & {
      kind: 'collection';
      set: EntitySetName;
      /** For navigation collections such as Datastreams(1)/Observations. */
      parent?: { set: EntitySetName; id: number; nav: string };
    })
  | (TopicBase & { kind: 'entity'; set: EntitySetName; id: number })
  /** A single entity reached by navigation (`Datastreams(1)/Sensor`): which one is known only by reading. */
  | (TopicBase & { kind: 'related'; set: EntitySetName })
  /**
   * A property of an entity (`Things(5)/name`), also of one reached by navigation
   * (`Datastreams(1)/Thing/name`): then `id` is missing and `via` is that entity's path.
   */
  | (TopicBase &
      ({ id: number; via?: undefined } | { id?: undefined; via: string }) & {
        kind: 'property';
        set: EntitySetName;
        property: string;
      });

export class TopicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicError';
  }
}

const SEGMENT = /^([A-Za-z]+)(?:\((?:(\d{1,15})|'(\d{1,15})')\))?$/;

function segment(raw: string): { name: string; id?: number } {
  const m = SEGMENT.exec(raw);
  if (!m) throw new TopicError(`Malformed topic segment '${raw}'`);
  const id = m[2] ?? m[3];
  return id === undefined ? { name: m[1]! } : { name: m[1]!, id: Number(id) };
}

/** Only `$select` is meaningful on a subscription; anything else is refused rather than ignored. */
function parseQuery(query: string): string {
  if (query === '') return '';
  const parts = query.split('&').filter((p) => p !== '');
  const out: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (key !== '$select' || !/^[A-Za-z@.]+(,[A-Za-z@.]+)*$/.test(value))
      throw new TopicError(`Only $select=<properties> may follow a topic, not '${part}'`);
    out.push(`$select=${value}`);
  }
  return out.join('&');
}

/**
 * Parses a SensorThings topic; throws TopicError for anything that is not one. Besides entity sets,
 * entities and their properties, a topic may follow navigation properties from an entity, as the
 * resource paths of HTTP do: single entities on the way (`Observations(1)/Datastream/Thing`), a
 * collection or a property only at the end (`Datastreams(1)/Thing/Locations`, `Datastreams(1)/Thing/name`).
 */
export function parseStaTopic(topic: string): StaTopic {
  if (topic.includes('#') || topic.includes('+'))
    throw new TopicError('Wildcards are not SensorThings topics; subscribe to an entity set instead');
  const q = topic.indexOf('?');
  const pathPart = q < 0 ? topic : topic.slice(0, q);
  const query = parseQuery(q < 0 ? '' : topic.slice(q + 1));
  const parts = pathPart.split('/');
  if (parts[0] !== STA_VERSION) throw new TopicError(`A SensorThings topic starts with ${STA_VERSION}/`);
  const segments = parts.slice(1).map(segment);
  const path = `/${parts.slice(1).join('/')}`;
  const first = segments[0];
  if (!first || !isEntitySet(first.name)) throw new TopicError(`Unknown entity set in '${topic}'`);
  if (segments.length === 1) {
    return first.id === undefined
      ? { kind: 'collection', set: first.name, path, query }
      : { kind: 'entity', set: first.name, id: first.id, path, query };
  }
  const unsupported = () =>
    new TopicError(
      `Unsupported topic '${topic}': use Set, Set(id), or Set(id) followed by navigation properties and at most one property`,
    );
  if (first.id === undefined) throw unsupported();
  let set: EntitySetName = first.name;
  for (const [i, step] of segments.slice(1).entries()) {
    const last = i === segments.length - 2;
    if (step.id !== undefined) throw unsupported();
    const nav = navOf(MODEL[set], step.name);
    if (!nav) {
      // A property of the entity reached so far (a resource path of HTTP GET as well).
      if (!last) throw unsupported();
      if (step.name !== 'id' && !propertyOf(MODEL[set], step.name))
        throw new TopicError(`${MODEL[set].type} has no property '${step.name}'`);
      if (query !== '') throw new TopicError('$select does not apply to a property topic');
      const property = { kind: 'property', set, property: step.name, path, query } as const;
      return i === 0
        ? { ...property, id: first.id }
        : { ...property, via: `/${parts.slice(1, -1).join('/')}` };
    }
    set = nav.target;
    if (nav.many) {
      if (!last) throw unsupported();
      const collection: StaTopic = { kind: 'collection', set, path, query };
      if (i === 0) collection.parent = { set: first.name, id: first.id, nav: nav.name };
      return collection;
    }
  }
  return { kind: 'related', set, path, query };
}

/** Topics a client may publish Observations to (create-observations-via-mqtt). */
export function isObservationCreateTopic(topic: StaTopic): boolean {
  return (
    topic.kind === 'collection' &&
    topic.set === 'Observations' &&
    topic.query === '' &&
    (topic.parent ? OBSERVATION_PARENTS.includes(topic.parent.set) : topic.path === '/Observations')
  );
}
