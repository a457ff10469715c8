// SensorThings over HTTP on the lane's database (PGlite and PostgreSQL): service root, create, deep
// insert, addressing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { point, ROOT, staTenant, thingWithDatastream } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

describe('service root', () => {
  test('lists the entity sets with absolute urls and the conformance classes', async () => {
    const { anonymous } = await staTenant(server);
    const res = await anonymous.sta<{
      value: { name: string; url: string }[];
      serverSettings: { conformance: string[] };
    }>('GET', '');
    assert.equal(res.status, 200);
    const names = res.body.value.map((v) => v.name);
    for (const set of [
      'Things',
      'Locations',
      'HistoricalLocations',
      'Sensors',
      'ObservedProperties',
      'Datastreams',
      'MultiDatastreams',
      'FeaturesOfInterest',
      'Observations',
    ])
      assert.ok(names.includes(set), set);
    assert.match(res.body.value[0]!.url, /^http:\/\/127\.0\.0\.1:\d+\/sta\/v1\.1\/Things$/);
    assert.ok(
      res.body.serverSettings.conformance.includes(
        'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
      ),
    );
  });
});

describe('create and read', () => {
  test('deep insert of a Thing with Location and Datastream, then addressing', async () => {
    const { staff } = await staTenant(server);
    const res = await staff.sta<Record<string, unknown>>(
      'POST',
      '/Things',
      thingWithDatastream('Wetterstation'),
    );
    assert.equal(res.status, 201, res.text);
    const id = res.body['@iot.id'] as number;
    assert.equal(res.headers.get('location'), `${server.url}${ROOT}/Things(${id})`);
    assert.equal(res.body['@iot.selfLink'], `${server.url}${ROOT}/Things(${id})`);
    assert.equal(
      res.body['Datastreams@iot.navigationLink'],
      `${server.url}${ROOT}/Things(${id})/Datastreams`,
    );

    const thing = await staff.sta('GET', `/Things(${id})`);
    assert.equal(thing.status, 200);
    assert.equal(thing.body.name, 'Wetterstation');
    assert.deepEqual(thing.body.properties, { owner: 'Bauhof', floor: 2 });

    const datastreams = await staff.list(`/Things(${id})/Datastreams`);
    assert.equal(datastreams.body.value.length, 1);
    const dsId = datastreams.body.value[0]!['@iot.id'] as number;
    assert.equal((await staff.sta('GET', `/Datastreams(${dsId})/Thing`)).body['@iot.id'], id);
    assert.equal((await staff.sta('GET', `/Datastreams(${dsId})/Sensor`)).body.name, 'DHT22');
    assert.deepEqual((await staff.sta('GET', `/Things(${id})/name`)).body, { name: 'Wetterstation' });
    const raw = await staff.sta('GET', `/Things(${id})/name/$value`);
    assert.equal(raw.text, 'Wetterstation');
    assert.deepEqual((await staff.sta('GET', `/Datastreams(${dsId})/Thing/$ref`)).body, {
      '@iot.selfLink': `${server.url}${ROOT}/Things(${id})`,
    });
    const refs = await staff.list(`/Things(${id})/Datastreams/$ref`);
    assert.deepEqual(refs.body.value, [{ '@iot.selfLink': `${server.url}${ROOT}/Datastreams(${dsId})` }]);

    const history = await staff.list(`/Things(${id})/HistoricalLocations?$expand=Locations`);
    assert.equal(
      history.body.value.length,
      1,
      'creating a Thing with a Location records a HistoricalLocation',
    );
    assert.equal((history.body.value[0]!.Locations as unknown[]).length, 1);
    assert.equal((await staff.sta('GET', `/Things(${id})/Datastreams(${dsId + 1000})`)).status, 404);
  });

  test('Observations: create by link, FeatureOfInterest derived from the Location, result types', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.sta<{ '@iot.id': number }>(
      'POST',
      '/Things',
      thingWithDatastream('Pegel', 8.1, 48.9),
    );
    const ds = (await staff.list(`/Things(${thing.body['@iot.id']})/Datastreams`)).body.value[0]![
      '@iot.id'
    ] as number;
    const obs = await staff.sta<Record<string, unknown>>('POST', '/Observations', {
      phenomenonTime: '2024-05-01T10:00:00Z',
      result: 21.5,
      Datastream: { '@iot.id': ds },
    });
    assert.equal(obs.status, 201, obs.text);
    assert.equal(obs.body.result, 21.5);
    assert.equal(obs.body.phenomenonTime, '2024-05-01T10:00:00.000Z');
    assert.equal(obs.body.resultTime, null);
    const foi = await staff.sta('GET', `/Observations(${obs.body['@iot.id'] as number})/FeatureOfInterest`);
    assert.equal(foi.status, 200);
    assert.deepEqual(foi.body.feature, point(8.1, 48.9));

    const nested = await staff.sta<Record<string, unknown>>('POST', `/Datastreams(${ds})/Observations`, {
      phenomenonTime: '2024-05-01T11:00:00Z/2024-05-01T11:15:00Z',
      result: 'dry',
      resultQuality: { ok: true },
      parameters: { battery: 80 },
    });
    assert.equal(nested.status, 201, nested.text);
    assert.equal(nested.body.phenomenonTime, '2024-05-01T11:00:00.000Z/2024-05-01T11:15:00.000Z');
    assert.equal(nested.body.result, 'dry');
    const datastream = await staff.sta('GET', `/Datastreams(${ds})`);
    assert.equal(datastream.body.phenomenonTime, '2024-05-01T10:00:00.000Z/2024-05-01T11:15:00.000Z');

    const withFoi = await staff.sta<Record<string, unknown>>('POST', '/Observations', {
      result: 3,
      Datastream: { '@iot.id': ds },
      FeatureOfInterest: {
        name: 'Brücke',
        description: 'x',
        encodingType: 'application/geo+json',
        feature: point(1, 2),
      },
    });
    assert.equal(withFoi.status, 201, withFoi.text);
    assert.ok(typeof withFoi.body.phenomenonTime === 'string', 'phenomenonTime defaults to now');
  });

  test('a null result is a value (a reading without one); a missing result is refused', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Glascontainer', 9.6, 50.4));
    const ds = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    const empty = await staff.sta<Record<string, unknown>>('POST', `/Datastreams(${ds})/Observations`, {
      phenomenonTime: '2024-05-02T10:00:00Z',
      result: null,
    });
    assert.equal(empty.status, 201, empty.text);
    assert.ok('result' in empty.body, 'the answer shows the result');
    assert.equal(empty.body.result, null);
    // As every null property: no content.
    const read = await staff.sta('GET', `/Observations(${empty.body['@iot.id'] as number})/result`);
    assert.equal(read.status, 204);
    const updated = await staff.sta('PATCH', `/Observations(${empty.body['@iot.id'] as number})`, {
      result: 7,
    });
    assert.equal(updated.status, 200, updated.text);
    const cleared = await staff.sta('PATCH', `/Observations(${empty.body['@iot.id'] as number})`, {
      result: null,
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(
      (await staff.sta('GET', `/Observations(${empty.body['@iot.id'] as number})`)).body.result,
      null,
    );
    const missing = await staff.sta('POST', `/Datastreams(${ds})/Observations`, {
      phenomenonTime: '2024-05-02T11:00:00Z',
    });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /result is required/);
  });

  test('every entity set can be created on its own and linked', async () => {
    const { staff } = await staTenant(server);
    const sensor = await staff.create('/Sensors', {
      name: 's',
      description: 'd',
      encodingType: 'text/html',
      metadata: 'https://x',
    });
    const op1 = await staff.create('/ObservedProperties', {
      name: 'a',
      definition: 'https://a',
      description: 'd',
    });
    const op2 = await staff.create('/ObservedProperties', {
      name: 'b',
      definition: 'https://b',
      description: 'd',
    });
    const location = await staff.create('/Locations', {
      name: 'l',
      description: 'd',
      encodingType: 'application/geo+json',
      location: point(7, 50),
    });
    const thing = await staff.create('/Things', {
      name: 't',
      description: 'd',
      Locations: [{ '@iot.id': location }],
    });
    const ds = await staff.create('/Datastreams', {
      name: 'ds',
      description: 'd',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: { name: 'n', symbol: 's', definition: 'd' },
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperty: { '@iot.id': op1 },
    });
    const mds = await staff.create('/MultiDatastreams', {
      name: 'wind',
      description: 'd',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation',
      multiObservationDataTypes: [
        'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      ],
      unitOfMeasurements: [
        { name: 'm/s', symbol: 'm/s', definition: 'x' },
        { name: 'deg', symbol: '°', definition: 'y' },
      ],
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperties: [{ '@iot.id': op1 }, { '@iot.id': op2 }],
    });
    const mobs = await staff.sta<Record<string, unknown>>('POST', `/MultiDatastreams(${mds})/Observations`, {
      result: [3.2, 270],
      phenomenonTime: '2024-01-01T00:00:00Z',
    });
    assert.equal(mobs.status, 201, mobs.text);
    assert.deepEqual(mobs.body.result, [3.2, 270]);
    const ops = await staff.list(`/MultiDatastreams(${mds})/ObservedProperties`);
    assert.deepEqual(ops.body.value.map((v) => v.name).sort(), ['a', 'b']);
    const hl = await staff.create('/HistoricalLocations', {
      time: '2020-01-01T00:00:00Z',
      Thing: { '@iot.id': thing },
      Locations: [{ '@iot.id': location }],
    });
    assert.equal(
      (await staff.list(`/Locations(${location})/HistoricalLocations`)).body.value.some(
        (v) => v['@iot.id'] === hl,
      ),
      true,
    );
    const foi = await staff.create('/FeaturesOfInterest', {
      name: 'f',
      description: 'd',
      encodingType: 'application/vnd.geo+json',
      feature: point(1, 1),
    });
    await staff.create('/Observations', {
      result: 1,
      Datastream: { '@iot.id': ds },
      FeatureOfInterest: { '@iot.id': foi },
    });
    assert.equal((await staff.list(`/FeaturesOfInterest(${foi})/Observations`)).body.value.length, 1);
    assert.equal((await staff.list(`/Sensors(${sensor})/MultiDatastreams`)).body.value.length, 1);
    assert.equal((await staff.list(`/ObservedProperties(${op2})/MultiDatastreams`)).body.value.length, 1);
  });

  test('an invalid deep insert leaves nothing behind', async () => {
    const { staff } = await staTenant(server);
    const tag = `Kaputt-${Date.now().toString(36)}`;
    const body = thingWithDatastream(tag);
    (body.Datastreams[0] as Record<string, unknown>).Sensor = {
      name: `${tag} sensor`,
      description: 'd',
      encodingType: 'text/html',
      metadata: 'https://x',
    };
    (body.Datastreams[0] as Record<string, unknown>).ObservedProperty = { name: 'no definition' };
    const res = await staff.sta('POST', '/Things', body);
    assert.equal(res.status, 400);
    const things = await staff.list(`/Things?$filter=name eq '${tag}'`);
    assert.equal(things.body.value.length, 0);
    const locations = await staff.list(`/Locations?$filter=name eq '${tag} place'`);
    assert.equal(locations.body.value.length, 0);
    const sensors = await staff.list(`/Sensors?$filter=name eq '${tag} sensor'`);
    assert.equal(sensors.body.value.length, 0);
  });
});
