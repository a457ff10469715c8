// SensorThings over HTTP on the lane's database: update, delete with cascades, HistoricalLocations,
// bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { assertRollupsMatchRaw } from '../observations/observation.fixtures.js';
import { point, ROOT, staTenant, thingWithDatastream } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

describe('update and delete', () => {
  test('updating and deleting Observations corrects rollups and the latest value', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Rollup'));
    const other = await staff.create('/Things', thingWithDatastream('Rollup 2'));
    const streamOf = async (id: number) =>
      (await staff.list(`/Things(${id})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    const [a, b] = [await streamOf(thing), await streamOf(other)];
    const obs: number[] = [];
    // Around the end of October's DST change in Berlin, in two 5-minute buckets and two months.
    for (const [time, result] of [
      ['2026-10-24T22:01:00Z', 4],
      ['2026-10-24T22:02:00Z', 9],
      ['2026-10-24T22:07:00Z', 1],
      ['2026-10-31T23:30:00Z', 7],
    ] as const)
      obs.push(await staff.create(`/Datastreams(${a})/Observations`, { phenomenonTime: time, result }));
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after create');
    const latest = async () =>
      (
        await server.ctx.db
          .selectFrom('sensor_latest')
          .selectAll()
          .where('datastream_id', '=', a)
          .executeTakeFirst()
      )?.result_number ?? null;
    assert.equal(await latest(), 7);

    // The maximum of its buckets changes value; another moves into a new month; one changes Datastream.
    assert.equal((await staff.sta('PATCH', `/Observations(${obs[1]})`, { result: 2 })).status, 200);
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after PATCH result');
    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs[0]})`, { phenomenonTime: '2026-11-02T10:00:00Z' }))
        .status,
      200,
    );
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after PATCH time');
    assert.equal(await latest(), 4, 'the moved observation is the newest now');
    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs[3]})`, { Datastream: { '@iot.id': b } })).status,
      200,
    );
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after moving to another Datastream');
    // Moved back by a reference added to the Datastream's Observations: the same corrections.
    const byRef = await staff.sta('POST', `/Datastreams(${a})/Observations/$ref`, { '@iot.id': obs[3] });
    assert.equal(byRef.status, 204, byRef.text);
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after moving back by $ref');
    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs[3]})`, { Datastream: { '@iot.id': b } })).status,
      200,
    );
    const put = await staff.sta('PUT', `/Observations(${obs[2]})`, {
      phenomenonTime: '2026-10-24T22:08:00Z',
      result: 'kaputt',
      Datastream: { '@iot.id': a },
    });
    assert.equal(put.status, 200, put.text);
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after PUT with a non-numeric result');

    assert.equal((await staff.sta('DELETE', `/Observations(${obs[0]})`)).status, 200);
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after DELETE of the newest');
    assert.equal(await latest(), null, 'the newest left is the text result');
    for (const id of [obs[1], obs[2], obs[3]]) await staff.sta('DELETE', `/Observations(${id})`);
    await assertRollupsMatchRaw(server.ctx.db, [a, b], 'after deleting all');
    const left = await server.ctx.db
      .selectFrom('sensor_rollups')
      .select('datastream_id')
      .where('datastream_id', 'in', [a, b])
      .execute();
    assert.equal(left.length, 0, 'empty buckets are gone');
    assert.equal(
      (
        await server.ctx.db
          .selectFrom('sensor_latest')
          .selectAll()
          .where('datastream_id', 'in', [a, b])
          .execute()
      ).length,
      0,
    );
  });

  test('PATCH, PUT and JSON Patch', async () => {
    const { staff } = await staTenant(server);
    const id = await staff.create('/Things', { name: 'alt', description: 'd', properties: { a: 1 } });
    const patched = await staff.sta('PATCH', `/Things(${id})`, { name: 'neu' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'neu');
    assert.deepEqual(patched.body.properties, { a: 1 });
    const put = await staff.sta('PUT', `/Things(${id})`, { name: 'ganz neu', description: 'e' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.properties, null, 'PUT replaces: properties not given are cleared');
    assert.equal(
      (await staff.sta('PUT', `/Things(${id})`, { name: 'x' })).status,
      400,
      'PUT needs every required property',
    );
    const jp = await staff.request('PATCH', `${ROOT}/Things(${id})`, {
      body: JSON.stringify([
        { op: 'add', path: '/properties', value: { b: 2 } },
        { op: 'replace', path: '/description', value: 'patched' },
      ]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    assert.equal(jp.status, 200, jp.text);
    const after = await staff.sta('GET', `/Things(${id})`);
    assert.deepEqual(after.body.properties, { b: 2 });
    assert.equal(after.body.description, 'patched');
  });

  test("changing a Thing's Locations records a HistoricalLocation", async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Mobil', 1, 1));
    const l2 = await staff.create('/Locations', {
      name: 'neu',
      description: 'd',
      encodingType: 'application/geo+json',
      location: point(2, 2),
    });
    const res = await staff.sta('PATCH', `/Things(${thing})`, { Locations: [{ '@iot.id': l2 }] });
    assert.equal(res.status, 200, res.text);
    const locations = await staff.list(`/Things(${thing})/Locations`);
    assert.deepEqual(
      locations.body.value.map((l) => l['@iot.id']),
      [l2],
    );
    const history = await staff.list(
      `/Things(${thing})/HistoricalLocations?$orderby=time desc&$expand=Locations($select=id)`,
    );
    assert.equal(history.body.value.length, 2);
    assert.deepEqual(history.body.value[0]!.Locations, [{ '@iot.id': l2 }]);
  });

  test('deletes cascade as the standard says', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Weg'));
    const ds = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    const obs = await staff.create(`/Datastreams(${ds})/Observations`, { result: 1 });
    const foi = (await staff.sta('GET', `/Observations(${obs})/FeatureOfInterest`)).body['@iot.id'] as number;
    const location = (await staff.list(`/Things(${thing})/Locations`)).body.value[0]!['@iot.id'] as number;

    assert.equal((await staff.sta('DELETE', `/FeaturesOfInterest(${foi})`)).status, 200);
    assert.equal(
      (await staff.sta('GET', `/Observations(${obs})`)).status,
      404,
      'deleting a FeatureOfInterest deletes its Observations',
    );
    const obs2 = await staff.create(`/Datastreams(${ds})/Observations`, { result: 2 });
    assert.equal((await staff.sta('DELETE', `/Things(${thing})`)).status, 200);
    assert.equal((await staff.sta('GET', `/Datastreams(${ds})`)).status, 404);
    assert.equal((await staff.sta('GET', `/Observations(${obs2})`)).status, 404);
    assert.equal(
      (await staff.sta('GET', `/Locations(${location})`)).status,
      200,
      'Locations outlive their Thing',
    );
    assert.equal((await staff.sta('DELETE', `/Things(${thing})`)).status, 404);
  });

  test('deleting a Location removes HistoricalLocations that only had it; Sensor deletes Datastreams', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Ort'));
    const location = (await staff.list(`/Things(${thing})/Locations`)).body.value[0]!['@iot.id'] as number;
    const sensor = (await staff.list(`/Things(${thing})/Datastreams?$expand=Sensor`)).body.value[0]!
      .Sensor as { '@iot.id': number };
    assert.equal((await staff.list(`/Things(${thing})/HistoricalLocations`)).body.value.length, 1);
    assert.equal((await staff.sta('DELETE', `/Locations(${location})`)).status, 200);
    assert.equal((await staff.list(`/Things(${thing})/HistoricalLocations`)).body.value.length, 0);
    assert.equal((await staff.sta('DELETE', `/Sensors(${sensor['@iot.id']})`)).status, 200);
    assert.equal((await staff.list(`/Things(${thing})/Datastreams`)).body.value.length, 0);
  });
});

describe('bad input is a 4xx', () => {
  test('malformed paths, unknown properties, wrong types, invalid JSON, garbage queries', async () => {
    const { staff } = await staTenant(server);
    const cases: [string, string, unknown?][] = [
      ['GET', '/Thingz'],
      ['GET', '/Things(abc)'],
      ['GET', '/Things(1'],
      ['GET', '/Things(999999999)'],
      ['GET', '/Things/name'],
      ['GET', '/Things?$filter=name eq'],
      ['GET', '/Things?$filter=(name eq 1'],
      ['GET', "/Things?$filter=name eq 'unterminated"],
      ['GET', '/Things?$filter=nosuch eq 1'],
      ['GET', '/Things?$filter=name eq 5'],
      ['GET', '/Things?$filter=foo(name)'],
      ['GET', '/Things?$top=-1'],
      ['GET', '/Things?$top=abc'],
      ['GET', '/Things?$count=maybe'],
      ['GET', '/Things?$orderby=name sideways'],
      ['GET', '/Things?$expand=Nothing'],
      ['GET', '/Things?$select=nothing'],
      ['GET', '/Things?$unknown=1'],
      ['GET', '/Things?$filter=%ZZ'],
      ['GET', "/Things?$filter=st_within(name, geography'POLYGON((1 1))')"],
      ['POST', '/Things', { name: 'x', description: 'd', colour: 'red' }],
      ['POST', '/Things', { name: 5, description: 'd' }],
      ['POST', '/Things', { description: 'd' }],
      ['POST', '/Things', [1, 2]],
      [
        'POST',
        '/Locations',
        {
          name: 'l',
          description: 'd',
          encodingType: 'application/geo+json',
          location: { type: 'Point', coordinates: ['a'] },
        },
      ],
      ['POST', '/Observations', { result: 1, Datastream: { '@iot.id': 999999999 } }],
      ['POST', '/Observations', { result: 1, phenomenonTime: 'yesterday' }],
      ['POST', '/Datastreams', { name: 'x' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await staff.sta(method, path, body);
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path}: ${res.status} ${res.text}`);
      assert.equal(typeof (res.body as { message?: unknown }).message, 'string', `${method} ${path}`);
    }
    const invalid = await staff.request('POST', `${ROOT}/Things`, {
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(invalid.status, 400);
  });
});
