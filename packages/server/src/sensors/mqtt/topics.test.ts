import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isObservationCreateTopic, parseStaTopic, TopicError } from './topics.js';

test('entity sets, entities and properties', () => {
  assert.deepEqual(parseStaTopic('v1.1/Things'), {
    kind: 'collection',
    set: 'Things',
    path: '/Things',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/Things(5)'), {
    kind: 'entity',
    set: 'Things',
    id: 5,
    path: '/Things(5)',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/Things(5)/name'), {
    kind: 'property',
    set: 'Things',
    id: 5,
    property: 'name',
    path: '/Things(5)/name',
    query: '',
  });
  assert.deepEqual(parseStaTopic("v1.1/Things('5')"), {
    kind: 'entity',
    set: 'Things',
    id: 5,
    path: "/Things('5')",
    query: '',
  });
});

test('navigation collections and $select', () => {
  assert.deepEqual(parseStaTopic('v1.1/Datastreams(1)/Observations'), {
    kind: 'collection',
    set: 'Observations',
    parent: { set: 'Datastreams', id: 1, nav: 'Observations' },
    path: '/Datastreams(1)/Observations',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/MultiDatastreams(1)/Observations').kind, 'collection');
  const selected = parseStaTopic('v1.1/Datastreams(1)/Observations?$select=result,phenomenonTime');
  assert.equal(selected.query, '$select=result,phenomenonTime');
  assert.equal(selected.path, '/Datastreams(1)/Observations');
  assert.equal(parseStaTopic('v1.1/Things(2)/Datastreams').set, 'Datastreams');
});

test('paths along navigation properties, as HTTP resource paths', () => {
  assert.deepEqual(parseStaTopic('v1.1/Datastreams(1)/Sensor'), {
    kind: 'related',
    set: 'Sensors',
    path: '/Datastreams(1)/Sensor',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/Observations(4)/Datastream/Thing'), {
    kind: 'related',
    set: 'Things',
    path: '/Observations(4)/Datastream/Thing',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/Datastreams(1)/Thing/Locations?$select=name'), {
    kind: 'collection',
    set: 'Locations',
    path: '/Datastreams(1)/Thing/Locations',
    query: '$select=name',
  });
  assert.equal(parseStaTopic('v1.1/HistoricalLocations(3)/Thing/Datastreams').set, 'Datastreams');
});

test('a property of an entity reached by navigation, as the HTTP resource path', () => {
  assert.deepEqual(parseStaTopic('v1.1/Datastreams(1)/Thing/name'), {
    kind: 'property',
    set: 'Things',
    property: 'name',
    via: '/Datastreams(1)/Thing',
    path: '/Datastreams(1)/Thing/name',
    query: '',
  });
  assert.deepEqual(parseStaTopic('v1.1/Observations(7)/Datastream/Sensor/metadata'), {
    kind: 'property',
    set: 'Sensors',
    property: 'metadata',
    via: '/Observations(7)/Datastream/Sensor',
    path: '/Observations(7)/Datastream/Sensor/metadata',
    query: '',
  });
});

test('which topics create Observations', () => {
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/Observations')), true);
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/Datastreams(1)/Observations')), true);
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/MultiDatastreams(1)/Observations')), true);
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/FeaturesOfInterest(3)/Observations')), true);
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/Things')), false);
  assert.equal(
    isObservationCreateTopic(parseStaTopic('v1.1/Observations(1)/Datastream/Observations')),
    false,
  );
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/Observations(4)')), false);
  assert.equal(isObservationCreateTopic(parseStaTopic('v1.1/Observations?$select=result')), false);
});

test('refuses what is not a SensorThings topic', () => {
  for (const topic of [
    'v1.0/Things',
    'Things',
    'v1.1/Gadgets',
    'v1.1/#',
    'v1.1/+/Observations',
    'v1.1/Things(x)',
    'v1.1/Things(5)/colour',
    'v1.1/Datastreams(1)/Thing(2)',
    'v1.1/Datastreams(1)/Thing/Locations/name',
    'v1.1/Things(1)/Datastreams/Thing',
    'v1.1/Datastreams(1)/Thing/colour',
    'v1.1/Datastreams(1)/Thing/name/first',
    'v1.1/Datastreams(1)/Thing/name?$select=name',
    'v1.1/Things(1)/Datastreams(2)/Observations',
    'v1.1/Things/name',
    'v1.1/Observations?$filter=result gt 3',
    'v1.1/Things(5)/name?$select=name',
    'v1.1/',
  ]) {
    assert.throws(() => parseStaTopic(topic), TopicError, topic);
  }
});
