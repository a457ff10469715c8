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
  | (TopicBase & { kind: 'property'; set: EntitySetName; id: number; property: string });

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

/** Parses a SensorThings topic; throws TopicError for anything that is not one. */
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
  const def = MODEL[first.name];
  if (segments.length === 1) {
    return first.id === undefined
      ? { kind: 'collection', set: first.name, path, query }
      : { kind: 'entity', set: first.name, id: first.id, path, query };
  }
  const second = segments[1]!;
  if (segments.length > 2 || first.id === undefined || second.id !== undefined)
    throw new TopicError(
      `Unsupported topic '${topic}': use Set, Set(id), Set(id)/property or Set(id)/Navigation`,
    );
  const nav = navOf(def, second.name);
  if (nav) {
    if (!nav.many)
      throw new TopicError(`${second.name} is a single entity; subscribe to it by its own topic`);
    return {
      kind: 'collection',
      set: nav.target,
      parent: { set: first.name, id: first.id, nav: nav.name },
      path,
      query,
    };
  }
  if (second.name !== 'id' && !propertyOf(def, second.name))
    throw new TopicError(`${def.type} has no property '${second.name}'`);
  if (query !== '') throw new TopicError('$select does not apply to a property topic');
  return { kind: 'property', set: first.name, id: first.id, property: second.name, path, query };
}

/** Topics a client may publish Observations to (create-observations-via-mqtt). */
export function isObservationCreateTopic(topic: StaTopic): boolean {
  return (
    topic.kind === 'collection' &&
    topic.set === 'Observations' &&
    topic.query === '' &&
    (!topic.parent || OBSERVATION_PARENTS.includes(topic.parent.set))
  );
}
