// Points of the OGC conformance tests (ets-sta11, built from FROST-Server's statests) that our own tests
// did not cover: the MultiDatastream class (ObservedProperties in their order, duplicates included;
// one result value per ObservedProperty; `result[0]`), JSON sub-paths of properties, the response codes
// of the create-update-delete class.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { ids, point, staTenant, thingWithDatastream, type StaClient } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

const M = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';

async function multiSetup(staff: StaClient) {
  const thing = await staff.create('/Things', thingWithDatastream('Conformance'));
  const sensor = await staff.create('/Sensors', {
    name: 's',
    description: 'd',
    encodingType: 'text',
    metadata: 'm',
  });
  const ops = [
    await staff.create('/ObservedProperties', { name: 'first', definition: 'd', description: 'd' }),
    await staff.create('/ObservedProperties', { name: 'second', definition: 'd', description: 'd' }),
  ];
  const mds = (order: number[]) =>
    staff.create('/MultiDatastreams', {
      name: 'm',
      description: 'd',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation',
      multiObservationDataTypes: order.map(() => M),
      unitOfMeasurements: order.map((i) => ({ name: `u${i}`, symbol: `u${i}`, definition: 'd' })),
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperties: order.map((i) => ({ '@iot.id': ops[i] })),
    });
  return { thing, sensor, ops, mds };
}

describe('multi-datastream conformance class', () => {
  test('ObservedProperties come in their order, duplicates included, also expanded and counted', async () => {
    const { staff } = await staTenant(server);
    const { mds } = await multiSetup(staff);
    const reversed = await mds([1, 0]);
    const twice = await mds([0, 0]);
    const names = async (path: string) => (await staff.list(path)).body.value.map((v) => v.name as string);
    assert.deepEqual(await names(`/MultiDatastreams(${reversed})/ObservedProperties`), ['second', 'first']);
    assert.deepEqual(await names(`/MultiDatastreams(${twice})/ObservedProperties`), ['first', 'first']);
    const expanded = await staff.sta<{
      ObservedProperties: { name: string }[];
      'ObservedProperties@iot.count': number;
    }>('GET', `/MultiDatastreams(${reversed})?$expand=ObservedProperties($select=name;$count=true)`);
    assert.deepEqual(
      expanded.body.ObservedProperties.map((o) => o.name),
      ['second', 'first'],
    );
    assert.equal(expanded.body['ObservedProperties@iot.count'], 2);
    const counted = await staff.list(`/MultiDatastreams(${twice})/ObservedProperties?$count=true&$top=1`);
    assert.equal(counted.body['@iot.count'], 2);
    assert.equal(counted.body.value.length, 1);
    assert.ok(counted.body['@iot.nextLink']);
    const refs = await staff.list(`/MultiDatastreams(${reversed})/ObservedProperties/$ref`);
    assert.equal(refs.body.value.length, 2);
  });

  test('a result is an array with one value per ObservedProperty, on create, dataArray and update', async () => {
    const { staff } = await staTenant(server);
    const { mds, thing } = await multiSetup(staff);
    const two = await mds([0, 1]);
    const one = await mds([0]);
    for (const [id, result] of [
      [two, 1],
      [two, [1]],
      [two, [1, 2, 3]],
      [one, [1, 2]],
    ] as const) {
      const res = await staff.sta('POST', `/MultiDatastreams(${id})/Observations`, { result });
      assert.equal(res.status, 400, `${JSON.stringify(result)}: ${res.text}`);
    }
    const array = await staff.sta<string[]>('POST', '/CreateObservations', [
      {
        MultiDatastream: { '@iot.id': two },
        components: ['phenomenonTime', 'result'],
        dataArray: [['2026-01-01T00:00:00Z', [1, 2, 3]]],
      },
    ]);
    assert.equal(array.status, 201, array.text);
    assert.deepEqual(array.body, ['error']);

    const created = await staff.sta<{ '@iot.id': number }>('POST', `/MultiDatastreams(${two})/Observations`, {
      result: [4, 'n/a'],
    });
    assert.equal(created.status, 201, created.text);
    const obs = created.body['@iot.id'];
    assert.equal((await staff.sta('PATCH', `/Observations(${obs})`, { result: [4] })).status, 400);
    assert.equal((await staff.sta('PATCH', `/Observations(${obs})`, { result: [5, 6] })).status, 200);
    // Linking to a Datastream as well is refused; so is adding a MultiDatastream from an ObservedProperty.
    const ds = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'];
    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs})`, { Datastream: { '@iot.id': ds } })).status,
      400,
    );
  });

  test('result[0] and JSON sub-paths address values inside a property', async () => {
    const { staff } = await staTenant(server);
    const { mds, thing } = await multiSetup(staff);
    const two = await mds([0, 1]);
    const obs = await staff.create(`/MultiDatastreams(${two})/Observations`, {
      result: [4, { depth: [7, 8] }],
    });
    const first = await staff.sta('GET', `/Observations(${obs})/result[0]`);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { 'result[0]': 4 });
    assert.deepEqual((await staff.sta('GET', `/Observations(${obs})/result[1]/depth[1]`)).body, {
      'depth[1]': 8,
    });
    assert.equal((await staff.sta('GET', `/Observations(${obs})/result[0]/$value`)).text, '4');
    assert.equal((await staff.sta('GET', `/Observations(${obs})/result[5]`)).status, 404);
    assert.deepEqual((await staff.sta('GET', `/Things(${thing})/properties/owner`)).body, {
      owner: 'Bauhof',
    });
    assert.equal((await staff.sta('GET', `/Things(${thing})/properties/nothing`)).status, 404);
    assert.equal((await staff.sta('GET', `/Things(${thing})/name/more`)).status, 400);
    assert.equal((await staff.sta('GET', `/Things[0]`)).status, 400);
  });
});

describe('create-update-delete conformance class', () => {
  test('response codes: 201 with Location, 200 on update, 404 for missing entities', async () => {
    const { staff } = await staTenant(server);
    const created = await staff.sta<{ '@iot.id': number; '@iot.selfLink': string }>('POST', '/Things', {
      name: 'n',
      description: 'd',
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), created.body['@iot.selfLink']);
    const id = created.body['@iot.id'];
    assert.equal((await staff.sta('PATCH', `/Things(${id})`, { name: 'm' })).status, 200);
    const patch = await staff.sta('PATCH', `/Things(${id})`, [{ op: 'replace', path: '/name', value: 'p' }], {
      'content-type': 'application/json-patch+json',
    });
    assert.equal(patch.status, 200, patch.text);
    assert.equal((await staff.sta<{ name: string }>('GET', `/Things(${id})`)).body.name, 'p');
    for (const [method, path] of [
      ['GET', '/Things(999999999)'],
      ['GET', '/Things(999999999)/Datastreams'],
      ['GET', `/Things(${id})/Datastreams(999999999)`],
      ['PATCH', '/Things(999999999)'],
      ['DELETE', '/Things(999999999)'],
    ] as const) {
      const res = await staff.sta(method, path, method === 'PATCH' ? { name: 'x' } : undefined);
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    // The suite's id for a missing entity is Long.MAX_VALUE, beyond our ids: 404 as well, not 400.
    for (const method of ['GET', 'DELETE'])
      assert.equal((await staff.sta(method, '/Things(9223372036854775807)')).status, 404, method);
    assert.equal((await staff.sta('GET', `/Things(${id})/Locations(9223372036854775807)`)).status, 404);
    assert.equal((await staff.sta('DELETE', `/Things(${id})`)).status, 200);
    assert.equal((await staff.sta('GET', `/Things(${id})`)).status, 404);
  });

  test('DELETE answers whatever Content-Type a client sends along without a body', async () => {
    const { staff } = await staTenant(server);
    for (const contentType of ['application/x-www-form-urlencoded', 'application/json']) {
      const id = await staff.create('/Things', { name: 'n', description: 'd' });
      const res = await staff.sta('DELETE', `/Things(${id})`, undefined, { 'content-type': contentType });
      assert.equal(res.status, 200, `${contentType}: ${res.text}`);
      assert.equal((await staff.sta('GET', `/Things(${id})`)).status, 404);
      const missing = await staff.sta('DELETE', `/Things(${id})`, undefined, { 'content-type': contentType });
      assert.equal(missing.status, 404, contentType);
    }
  });

  test('DELETE on a collection removes the entities that match its $filter (DeleteFilterTests)', async () => {
    const { staff, anonymous } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('DeleteFilter'));
    const ds = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    const other = await staff.create('/Datastreams', {
      ...thingWithDatastream('x').Datastreams[0],
      Thing: { '@iot.id': thing },
    });
    for (const stream of [ds, other])
      for (const hour of [6, 7, 8, 9])
        await staff.create(`/Datastreams(${stream})/Observations`, {
          phenomenonTime: `2016-01-01T0${hour}:00:00Z`,
          resultTime: `2016-01-01T0${hour}:00:00Z`,
          result: hour,
        });
    const filter = encodeURIComponent('resultTime lt 2016-01-01T08:00:00Z');
    const path = `/Datastreams(${ds})/Observations?$filter=${filter}`;
    // The Datastream is not published: anonymous callers do not see it at all.
    assert.equal((await anonymous.sta('DELETE', path)).status, 404);
    assert.equal((await staff.sta('DELETE', path)).status, 200);
    const results = async (stream: number) =>
      (await staff.list(`/Datastreams(${stream})/Observations?$orderby=result`)).body.value.map(
        (v) => v.result,
      );
    assert.deepEqual(await results(ds), [8, 9]);
    assert.deepEqual(await results(other), [6, 7, 8, 9]);
    assert.equal((await staff.sta('DELETE', `/Datastreams(${other})/Observations`)).status, 200);
    assert.deepEqual(await results(other), []);
    assert.deepEqual(await results(ds), [8, 9]);
  });

  test('a HistoricalLocation later than all others of its Thing moves the Thing; an earlier one does not', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', { name: 'moving', description: 'd' });
    const place = (y: number) =>
      staff.create('/Locations', {
        name: `at ${y}`,
        description: 'd',
        encodingType: 'application/vnd.geo+json',
        location: { type: 'Point', coordinates: [8, y] },
      });
    const [first, second, third] = [await place(50), await place(51), await place(52)];
    assert.equal(
      (await staff.sta('PATCH', `/Things(${thing})`, { Locations: [{ '@iot.id': first }] })).status,
      200,
    );
    const generated = (await staff.list(`/Things(${thing})/HistoricalLocations`)).body.value;
    assert.equal(generated.length, 1);
    await staff.sta('PATCH', `/HistoricalLocations(${generated[0]!['@iot.id'] as number})`, {
      time: '2016-01-01T06:00:00Z',
    });
    const locations = async () => ids(await staff.list(`/Things(${thing})/Locations`));
    await staff.create('/HistoricalLocations', {
      time: '2016-01-01T07:00:00Z',
      Thing: { '@iot.id': thing },
      Locations: [{ '@iot.id': second }],
    });
    assert.deepEqual(await locations(), [second]);
    await staff.create('/HistoricalLocations', {
      time: '2016-01-01T05:00:00Z',
      Thing: { '@iot.id': thing },
      Locations: [{ '@iot.id': third }],
    });
    assert.deepEqual(await locations(), [second]);
    assert.equal((await staff.list(`/Things(${thing})/HistoricalLocations`)).body.value.length, 3);
  });

  test('a Location may be an address as text; the FeatureOfInterest comes from the GeoJSON one', async () => {
    const { staff } = await staTenant(server);
    const text = (name: string) => ({ name, description: 'd', encodingType: 'text/plain', location: '' });
    const thing = await staff.create('/Things', {
      name: 'addressed',
      description: 'd',
      Locations: [
        text('Address'),
        { name: 'Point', description: 'd', encodingType: 'application/geo+json', location: point(8, 51) },
        text('Directions'),
      ],
    });
    const ds = await staff.create('/Datastreams', {
      ...thingWithDatastream('t').Datastreams[0],
      Thing: { '@iot.id': thing },
    });
    const obs = await staff.create(`/Datastreams(${ds})/Observations`, { result: 1 });
    const foi = await staff.sta<{ feature: unknown }>('GET', `/Observations(${obs})/FeatureOfInterest`);
    assert.equal(foi.status, 200, foi.text);
    assert.deepEqual(foi.body.feature, point(8, 51));
    const address = (await staff.list(`/Things(${thing})/Locations?$filter=name eq 'Address'`)).body
      .value[0]!;
    assert.equal(address.location, '');
    // Spatial filters pass over Locations that are no geometry.
    const near = await staff.list(
      `/Things(${thing})/Locations?$filter=${encodeURIComponent("st_within(location, geography'POLYGON((7 50, 9 50, 9 52, 7 52, 7 50))')")}`,
    );
    assert.equal(near.status, 200, near.text);
    assert.deepEqual(
      near.body.value.map((l) => l.name),
      ['Point'],
    );
    const feature = await staff.sta('POST', '/FeaturesOfInterest', { ...text('f'), feature: 'x' });
    assert.equal(feature.status, 400);
  });

  test('HEAD is answered like GET, without a body', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', { name: 'head', description: 'd' });
    const ok = await staff.sta('HEAD', `/Things(${thing})`);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    assert.equal((await staff.sta('HEAD', '/Things?$filter=name eq')).status, 400);
    assert.equal((await staff.sta('HEAD', '/Things(999999999)')).status, 404);
  });

  test('PATCH links existing entities only: related entities inline are a 400 and change nothing', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Inline'));
    const location = (await staff.list(`/Things(${thing})/Locations`)).body.value[0]!['@iot.id'] as number;
    const inline = {
      name: 'West Roof',
      description: 'West Roof',
      encodingType: 'application/vnd.geo+json',
      location: { type: 'Point', coordinates: [-117.05, 51.05] },
    };
    const res = await staff.sta('PATCH', `/Things(${thing})`, { Locations: [inline] });
    assert.equal(res.status, 400, res.text);
    const mixed = await staff.sta('PATCH', `/Things(${thing})`, {
      Locations: [{ '@iot.id': location }, inline],
    });
    assert.equal(mixed.status, 400, mixed.text);
    const after = await staff.list(`/Things(${thing})/Locations`);
    assert.deepEqual(ids(after), [location]);
    assert.equal((await staff.list(`/Locations?$filter=name eq 'West Roof'`)).body.value.length, 0);
    assert.equal((await staff.list(`/Things(${thing})/HistoricalLocations`)).body.value.length, 1);
    const linked = await staff.sta('PATCH', `/Things(${thing})`, { Locations: [{ '@iot.id': location }] });
    assert.equal(linked.status, 200, linked.text);
  });
});
