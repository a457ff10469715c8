// SensorThings query options, visibility, data arrays and $batch on the lane's database (PGlite and
// PostgreSQL), so the generated SQL is exercised on both engines.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { point, ROOT, staTenant, thingWithDatastream, type StaClient } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

/** Three Things with one Datastream each and five Observations per Datastream. */
async function dataset(staff: StaClient, tag: string) {
  const things: number[] = [];
  const datastreams: number[] = [];
  for (const [i, [x, y]] of [
    [8.0, 49.0],
    [8.5, 49.5],
    [10.0, 52.0],
  ].entries()) {
    const body = thingWithDatastream(`${tag}-${i}`, x, y);
    body.properties = { owner: i === 0 ? "O'Brien" : 'Bauhof', floor: i };
    const id = await staff.create('/Things', body);
    things.push(id);
    const ds = (await staff.list(`/Things(${id})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    datastreams.push(ds);
    for (let k = 0; k < 5; k++)
      await staff.create(`/Datastreams(${ds})/Observations`, {
        phenomenonTime: `2024-0${k + 1}-1${i}T12:30:00Z`,
        result: i * 10 + k,
      });
  }
  return { things, datastreams };
}

const ids = (res: { body: { value: Record<string, unknown>[] } }) => res.body.value.map((v) => v['@iot.id']);

describe('query options', () => {
  test('$filter: comparison, logic, arithmetic, strings, JSON properties, navigation paths', async () => {
    const { staff } = await staTenant(server);
    const tag = `q${Date.now().toString(36)}`;
    const { things, datastreams } = await dataset(staff, tag);
    const f = async (set: string, filter: string) => {
      const res = await staff.list(`/${set}?$filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, `${filter}: ${JSON.stringify(res.body)}`);
      return ids(res);
    };
    const scoped = `startswith(name, '${tag}')`;
    assert.deepEqual(await f('Things', `${scoped} and name eq '${tag}-1'`), [things[1]]);
    assert.deepEqual(await f('Things', `${scoped} and name ne '${tag}-1'`), [things[0], things[2]]);
    assert.deepEqual(await f('Things', `${scoped} and properties/owner eq 'O''Brien'`), [things[0]]);
    assert.deepEqual(await f('Things', `${scoped} and properties/floor ge 1`), [things[1], things[2]]);
    assert.deepEqual(await f('Things', `${scoped} and (properties/floor add 1) mul 2 eq 4`), [things[1]]);
    assert.deepEqual(
      await f('Things', `${scoped} and properties/floor mod 2 eq 0 and not (properties/floor eq 0)`),
      [things[2]],
    );
    assert.deepEqual(await f('Things', `${scoped} and (endswith(name, '-0') or substringof('-2', name))`), [
      things[0],
      things[2],
    ]);
    assert.deepEqual(
      await f(
        'Things',
        `${scoped} and length(name) eq ${tag.length + 2} and indexof(name, '-') eq ${tag.length}`,
      ),
      things,
    );
    assert.deepEqual(
      await f(
        'Things',
        `${scoped} and toupper(substring(name, ${tag.length + 1})) eq '1' and tolower(trim(concat(' ', name))) eq '${tag}-1'`,
      ),
      [things[1]],
    );
    assert.deepEqual(await f('Things', `${scoped} and substring(name, 0, 1) eq 'q'`), things);
    assert.deepEqual(await f('Things', `${scoped} and Datastreams/name eq '${tag}-2 temperature'`), [
      things[2],
    ]);
    assert.deepEqual(
      await f('Things', `${scoped} and Locations/location ne null and properties/missing eq null`),
      things,
    );
    assert.deepEqual(await f('Datastreams', `Thing/name eq '${tag}-0'`), [datastreams[0]]);
    assert.deepEqual(
      await f('Observations', `Datastream/Thing/name eq '${tag}-1' and result gt 12`),
      (
        await staff.list(`/Datastreams(${datastreams[1]})/Observations?$filter=result ge 13&$orderby=id`)
      ).body.value.map((v) => v['@iot.id']),
    );
    const obs = await f(
      'Observations',
      `Datastream/Thing/properties/owner eq 'O''Brien' and result le 1.5 and result sub 1 lt 0 and result div 2 eq 0 and round(result add 0.4) eq 0 and floor(result) eq 0 and ceiling(result) eq 0`,
    );
    assert.equal(obs.length, 1);
  });

  test('$filter: date and time functions and literals', async () => {
    const { staff } = await staTenant(server);
    const tag = `t${Date.now().toString(36)}`;
    const { datastreams } = await dataset(staff, tag);
    const ds = datastreams[0]!;
    const count = async (filter: string) => {
      const res = await staff.list(
        `/Datastreams(${ds})/Observations?$filter=${encodeURIComponent(filter)}&$count=true`,
      );
      assert.equal(res.status, 200, `${filter}: ${JSON.stringify(res.body)}`);
      return res.body['@iot.count'];
    };
    assert.equal(await count('phenomenonTime gt 2024-03-01T00:00:00Z'), 3);
    assert.equal(await count('phenomenonTime le 2024-03-10T12:30:00.000+00:00'), 3);
    assert.equal(await count('phenomenonTime lt 2024-03-10T13:30:00+01:00'), 2);
    assert.equal(
      await count(
        'year(phenomenonTime) eq 2024 and month(phenomenonTime) eq 2 and day(phenomenonTime) eq 10',
      ),
      1,
    );
    assert.equal(
      await count(
        'hour(phenomenonTime) eq 12 and minute(phenomenonTime) eq 30 and second(phenomenonTime) eq 0 and fractionalseconds(phenomenonTime) eq 0',
      ),
      5,
    );
    assert.equal(await count('date(phenomenonTime) eq 2024-01-10'), 1);
    assert.equal(
      await count(
        'time(phenomenonTime) eq time(2024-01-10T12:30:00Z) and totaloffsetminutes(phenomenonTime) eq 0',
      ),
      5,
    );
    assert.equal(await count('phenomenonTime lt now() and resultTime eq null'), 5);
    const datastream = await staff.list(
      `/Datastreams?$filter=${encodeURIComponent(`id eq ${ds} and mindatetime(phenomenonTime) eq 2024-01-10T12:30:00Z and maxdatetime(phenomenonTime) eq 2024-05-10T12:30:00Z`)}`,
    );
    assert.equal(datastream.body.value.length, 1, JSON.stringify(datastream.body));
  });

  test('$filter: geospatial functions on points and polygons', async () => {
    const { staff } = await staTenant(server);
    const tag = `g${Date.now().toString(36)}`;
    const { things } = await dataset(staff, tag);
    const f = async (filter: string) => {
      const res = await staff.list(
        `/Things?$filter=${encodeURIComponent(`startswith(name, '${tag}') and ${filter}`)}`,
      );
      assert.equal(res.status, 200, `${filter}: ${JSON.stringify(res.body)}`);
      return ids(res);
    };
    const box = "geography'POLYGON((7.9 48.9, 8.6 48.9, 8.6 49.6, 7.9 49.6, 7.9 48.9))'";
    assert.deepEqual(await f(`st_within(Locations/location, ${box})`), [things[0], things[1]]);
    assert.deepEqual(await f(`st_intersects(Locations/location, ${box})`), [things[0], things[1]]);
    assert.deepEqual(await f(`geo.intersects(Locations/location, ${box})`), [things[0], things[1]]);
    assert.deepEqual(await f(`st_disjoint(Locations/location, ${box})`), [things[2]]);
    assert.deepEqual(await f(`st_equals(Locations/location, geography'POINT(8.5 49.5)')`), [things[1]]);
    assert.deepEqual(await f(`geo.distance(Locations/location, geography'POINT(8 49)') lt 0.8`), [
      things[0],
      things[1],
    ]);
    assert.deepEqual(await f(`geo.distance(Locations/location, geography'POINT(10 52)') eq 0`), [things[2]]);
    // A triangle whose bbox contains (8.5, 49.5) but which does not contain it.
    assert.deepEqual(
      await f("st_within(Locations/location, geography'POLYGON((7.9 48.9, 8.6 48.9, 7.9 49.6, 7.9 48.9))')"),
      [things[0]],
    );
    // Stored polygon, literal point.
    const area = await staff.create('/Locations', {
      name: `${tag}-area`,
      description: 'd',
      encodingType: 'application/geo+json',
      location: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [4, 0],
            [4, 4],
            [0, 4],
            [0, 0],
          ],
          [
            [1, 1],
            [2, 1],
            [2, 2],
            [1, 2],
            [1, 1],
          ],
        ],
      },
    });
    const loc = async (filter: string) =>
      ids(
        await staff.list(`/Locations?$filter=${encodeURIComponent(`name eq '${tag}-area' and ${filter}`)}`),
      );
    assert.deepEqual(await loc("st_contains(location, geography'POINT(3 3)')"), [area]);
    assert.deepEqual(await loc("st_contains(location, geography'POINT(1.5 1.5)')"), [], 'inside the hole');
    assert.deepEqual(await loc("st_intersects(location, geography'POINT(5 5)')"), []);
    assert.deepEqual(await loc("geo.length(geography'LINESTRING(0 0, 3 4)') eq 5"), [area]);
    const unsupported = await staff.list(
      `/Locations?$filter=${encodeURIComponent("st_touches(location, geography'POINT(1 1)')")}`,
    );
    assert.equal(unsupported.status, 400);
  });

  test('$orderby, $top, $skip, $count and nextLink paging visits every entity once', async () => {
    const { staff } = await staTenant(server);
    const tag = `p${Date.now().toString(36)}`;
    const { datastreams } = await dataset(staff, tag);
    const filter = encodeURIComponent(
      `Datastream/Thing/name eq '${tag}-0' or Datastream/Thing/name eq '${tag}-1' or Datastream/Thing/name eq '${tag}-2'`,
    );
    const all = await staff.list(`/Observations?$filter=${filter}&$orderby=result desc&$count=true`);
    assert.equal(all.body['@iot.count'], 15);
    assert.deepEqual(
      all.body.value.map((v) => v.result),
      [24, 23, 22, 21, 20, 14, 13, 12, 11, 10, 4, 3, 2, 1, 0],
    );
    const seen: unknown[] = [];
    let next: string | undefined =
      `${ROOT}/Observations?$filter=${filter}&$orderby=phenomenonTime asc,result desc&$top=4&$count=true`;
    let pages = 0;
    while (next) {
      const page = await staff.list(next.replace(/^https?:\/\/[^/]+/, '').replace(ROOT, ''));
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body['@iot.count'], 15);
      seen.push(...ids(page));
      next = page.body['@iot.nextLink'];
      pages++;
    }
    assert.equal(pages, 4);
    assert.equal(seen.length, 15);
    assert.equal(new Set(seen).size, 15);
    const skipped = await staff.list(
      `/Datastreams(${datastreams[0]})/Observations?$orderby=result&$skip=3&$top=10`,
    );
    assert.deepEqual(
      skipped.body.value.map((v) => v.result),
      [3, 4],
    );
    assert.equal(skipped.body['@iot.nextLink'], undefined);
    const zero = await staff.list(`/Datastreams(${datastreams[0]})/Observations?$top=0&$count=true`);
    assert.equal(zero.body.value.length, 0);
    assert.equal(zero.body['@iot.count'], 5);
  });

  test('$select and nested $expand with options', async () => {
    const { staff } = await staTenant(server);
    const tag = `e${Date.now().toString(36)}`;
    const { things } = await dataset(staff, tag);
    const res = await staff.sta<Record<string, unknown>>(
      'GET',
      `/Things(${things[1]})?$select=name,id&$expand=${encodeURIComponent('Datastreams($select=name;$expand=Observations($top=2;$orderby=phenomenonTime desc;$select=result;$count=true)),Locations')}`,
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['@iot.id', 'Datastreams', 'Locations', 'name']);
    const ds = (res.body.Datastreams as Record<string, unknown>[])[0]!;
    assert.equal(ds.name, `${tag}-1 temperature`);
    assert.deepEqual(ds.Observations, [{ result: 14 }, { result: 13 }]);
    assert.equal(ds['Observations@iot.count'], 5);
    assert.ok(ds['Observations@iot.nextLink']);
    const path = await staff.list(
      `/Datastreams?$filter=${encodeURIComponent(`Thing/name eq '${tag}-0'`)}&$expand=Thing/Locations,Sensor&$select=id,Thing,@iot.selfLink`,
    );
    const one = path.body.value[0]!;
    assert.ok(one['@iot.selfLink']);
    assert.equal(((one.Thing as Record<string, unknown>).Locations as unknown[]).length, 1);
    assert.equal((one.Sensor as Record<string, unknown>).name, 'DHT22');
    assert.equal(one.name, undefined);
    const nav = await staff.list(`/Things?$filter=id eq ${things[0]}&$select=Datastreams`);
    assert.deepEqual(Object.keys(nav.body.value[0]!), ['Datastreams@iot.navigationLink']);
  });
});

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
  });

  test('$batch: requests in order, a failing change set is rolled back', async () => {
    const { staff } = await staTenant(server);
    const ok = await staff.sta<{
      responses: { id: string; status: number; body: Record<string, unknown> }[];
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
