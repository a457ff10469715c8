// SensorThings visibility (published data, other municipalities), data arrays and $batch on the lane's
// database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { dataset, ids, point, staTenant, thingWithDatastream } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

describe('visibility', () => {
  test('anonymous readers see published streams only; other municipalities see nothing', async () => {
    const { staff, anonymous, otherStaff, municipality } = await staTenant(server);
    const tag = `v${Date.now().toString(36)}`;
    const { things, datastreams } = await dataset(staff, tag);
    const filter = `?$filter=${encodeURIComponent(`startswith(name, '${tag}')`)}`;
    assert.deepEqual(ids(await anonymous.list(`/Things${filter}`)), []);
    assert.equal((await anonymous.sta('GET', `/Things(${things[0]})`)).status, 404);
    assert.equal((await otherStaff.sta('GET', `/Things(${things[0]})`)).status, 404);
    assert.equal((await otherStaff.sta('PATCH', `/Things(${things[0]})`, { name: 'x' })).status, 404);
    assert.equal((await anonymous.sta('POST', '/Things', { name: 'x', description: 'y' })).status, 401);

    await server.ctx.publications.publish(
      municipality.id,
      'datastream',
      String(datastreams[0]),
      systemActor(),
    );
    assert.deepEqual(ids(await anonymous.list(`/Things${filter}`)), [things[0]]);
    assert.deepEqual(ids(await anonymous.list(`/Datastreams${filter}`)), [datastreams[0]]);
    assert.equal((await anonymous.list(`/Datastreams(${datastreams[0]})/Observations`)).body.value.length, 5);
    assert.equal(
      (await anonymous.list(`/Things(${things[0]})/Locations`)).body.value.length,
      0,
      'Location not published',
    );
    const leak = `startswith(name, '${tag}') and Locations/name ne null`;
    assert.deepEqual(
      ids(await anonymous.list(`/Things?$filter=${encodeURIComponent(leak)}`)),
      [],
      'no filtering on unpublished Locations',
    );
    assert.equal((await anonymous.sta('GET', `/Datastreams(${datastreams[0]})/Sensor`)).status, 200);
    assert.equal(
      (
        await anonymous.list(
          `/Observations?$filter=Datastream/id eq ${datastreams[0]}&$expand=FeatureOfInterest`,
        )
      ).body.value.length,
      5,
    );
    assert.equal((await anonymous.sta('GET', `/Datastreams(${datastreams[1]})`)).status, 404);
    assert.equal((await anonymous.sta('PATCH', `/Things(${things[0]})`, { name: 'x' })).status, 401);
    assert.equal(
      (await otherStaff.sta('PATCH', `/Things(${things[0]})`, { name: 'x' })).status,
      403,
      'published, but not theirs',
    );
    assert.equal(
      (await otherStaff.sta('POST', `/Datastreams(${datastreams[0]})/Observations`, { result: 1 })).status,
      403,
    );
    assert.equal(
      (
        await otherStaff.sta('POST', '/Observations', {
          result: 1,
          Datastream: { '@iot.id': datastreams[0] },
        })
      ).status,
      400,
    );

    const location = (await staff.list(`/Things(${things[0]})/Locations`)).body.value[0]![
      '@iot.id'
    ] as number;
    await server.ctx.publications.publish(municipality.id, 'location', String(location), systemActor());
    assert.equal((await anonymous.list(`/Things(${things[0]})/Locations`)).body.value.length, 1);
  });
});

describe('data arrays and $batch', () => {
  test('dataArray read and CreateObservations with one answer per row', async () => {
    const { staff } = await staTenant(server);
    const thing = await staff.create('/Things', thingWithDatastream('Array'));
    const ds = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    const res = await staff.sta<string[]>('POST', '/CreateObservations', [
      {
        Datastream: { '@iot.id': ds },
        components: ['phenomenonTime', 'result'],
        dataArray: [
          ['2024-01-01T00:00:00Z', 1],
          ['not a time', 2],
          ['2024-01-01T01:00:00Z', 3],
        ],
      },
    ]);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.length, 3);
    assert.match(res.body[0]!, /\/Observations\(\d+\)$/);
    assert.equal(res.body[1], 'error');
    const read = await staff.sta<{
      value: { components: string[]; dataArray: unknown[][]; 'Datastream@iot.navigationLink': string }[];
    }>(
      'GET',
      `/Datastreams(${ds})/Observations?$resultFormat=dataArray&$select=result,phenomenonTime&$orderby=result`,
    );
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.value[0]!.components, ['result', 'phenomenonTime']);
    assert.deepEqual(read.body.value[0]!.dataArray, [
      [1, '2024-01-01T00:00:00.000Z'],
      [3, '2024-01-01T01:00:00.000Z'],
    ]);
    assert.ok(read.body.value[0]!['Datastream@iot.navigationLink'].endsWith(`/Datastreams(${ds})`));
    // Without $select every property is a component, each row as long as the components.
    const all = await staff.sta<{
      value: { components: string[]; dataArray: unknown[][]; 'dataArray@iot.count': number }[];
      '@iot.count': number;
      '@iot.nextLink': string;
    }>('GET', `/Datastreams(${ds})/Observations?$resultFormat=dataArray&$count=true&$top=1`);
    assert.deepEqual(all.body.value[0]!.components, [
      'id',
      'phenomenonTime',
      'result',
      'resultTime',
      'resultQuality',
      'validTime',
      'parameters',
    ]);
    assert.equal(all.body.value[0]!.dataArray[0]!.length, 7);
    assert.equal(all.body.value[0]!['dataArray@iot.count'], 1);
    assert.equal(all.body['@iot.count'], 2);
    assert.ok(all.body['@iot.nextLink']);
  });

  test('$batch: requests in order, a failing change set is rolled back', async () => {
    const { staff } = await staTenant(server);
    const ok = await staff.sta<{
      responses: {
        id: string;
        status: number;
        body: Record<string, unknown>;
        location?: string;
        headers?: Record<string, string>;
      }[];
    }>('POST', '/$batch', {
      requests: [
        { id: '1', method: 'post', url: 'Things', body: { name: 'batch-a', description: 'd' } },
        { id: '2', method: 'get', url: "Things?$filter=name eq 'batch-a'" },
        {
          id: '3',
          method: 'post',
          url: '$1/Locations',
          atomicityGroup: 'g',
          body: { name: 'l', description: 'd', encodingType: 'application/geo+json', location: point(1, 1) },
        },
        { id: '4', method: 'patch', url: '$1', atomicityGroup: 'g', body: { description: 'changed' } },
      ],
    });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(
      ok.body.responses.map((r) => r.status),
      [201, 200, 201, 200],
    );
    const thing = ok.body.responses[0]!.body['@iot.id'] as number;
    // The created entity's URL as OData's headers.location and as FROST-Server's location member.
    const created = ok.body.responses[0]!;
    assert.equal(created.location, created.body['@iot.selfLink']);
    assert.equal(created.headers?.location, created.location);
    assert.equal(ok.body.responses[1]!.location, undefined);
    assert.equal((await staff.list(`/Things(${thing})/Locations`)).body.value.length, 1);

    const failing = await staff.sta<{ responses: { id: string; status: number }[] }>('POST', '/$batch', {
      requests: [
        {
          id: 'a',
          method: 'patch',
          url: `Things(${thing})`,
          atomicityGroup: 'cs',
          body: { name: 'renamed' },
        },
        { id: 'b', method: 'post', url: 'Things', atomicityGroup: 'cs', body: { name: 'no description' } },
        { id: 'c', method: 'get', url: `Things(${thing})` },
      ],
    });
    assert.equal(failing.status, 200);
    assert.deepEqual(
      failing.body.responses.map((r) => [r.id, r.status]),
      [
        ['a', 424],
        ['b', 400],
        ['c', 200],
      ],
    );
    assert.equal(
      (await staff.sta('GET', `/Things(${thing})`)).body.name,
      'batch-a',
      'the change set was rolled back',
    );
    assert.equal((await staff.sta('POST', '/$batch', { nope: 1 })).status, 400);
  });
});
