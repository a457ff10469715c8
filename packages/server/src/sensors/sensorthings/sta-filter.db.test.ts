// SensorThings $filter on the lane's database (PGlite and PostgreSQL), so the generated SQL is
// exercised on both engines.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testLane } from '../../test-support/db.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { hasPostgis } from './filter-postgis.js';
import { dataset, ids, staTenant } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

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
      `startswith(Datastream/Thing/name, '${tag}') and Datastream/Thing/properties/owner eq 'O''Brien' and result le 1.5 and result sub 1 lt 0 and result div 2 eq 0 and round(result add 0.4) eq 0 and floor(result) eq 0 and ceiling(result) eq 0`,
    );
    assert.equal(obs.length, 1);
  });

  test('$filter: lambda operators any/all, outer properties inside them, eq null over navigations', async () => {
    const { staff } = await staTenant(server);
    const tag = `l${Date.now().toString(36)}`;
    const { things } = await dataset(staff, tag);
    const lonely = await staff.create('/Things', { name: `${tag}-lonely`, description: 'no Datastreams' });
    const f = async (filter: string) => {
      const res = await staff.list(
        `/Things?$filter=${encodeURIComponent(`startswith(name, '${tag}') and (${filter})`)}`,
      );
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      return ids(res);
    };
    assert.deepEqual(await f(`Locations/any(l: l/name eq '${tag}-1 place')`), [things[1]]);
    assert.deepEqual(await f(`Datastreams/any(d:d/Observations/any(o: o/result eq 23))`), [things[2]]);
    // Inside the lambda, paths without the variable are the outer Thing's: floor 0, 1, 2 against results.
    assert.deepEqual(await f('Datastreams/Observations/any(o: o/result eq properties/floor mul 11)'), [
      things[0],
      things[1],
      things[2],
    ]);
    assert.deepEqual(await f('Datastreams/any(d: d/Observations/any(o: o/result gt 20))'), [things[2]]);
    assert.deepEqual(await f('Datastreams/Observations/all(o: o/result lt 10)'), [things[0], lonely]);
    assert.deepEqual(await f('Datastreams/any()'), things);
    assert.deepEqual(await f('not Datastreams/any()'), [lonely]);
    assert.deepEqual(await f('Datastreams/id eq null'), [lonely]);
    assert.deepEqual(await f('Datastreams/id ne null'), things);
    for (const broken of ['Datastreams/any(d d/name eq 1)', 'Datastreams/all()', 'name/any(x: true)'])
      assert.equal((await staff.list(`/Things?$filter=${encodeURIComponent(broken)}`)).status, 400, broken);
  });

  test('$filter on JSON properties: array indexes, in, JSON compared with JSON', async () => {
    const { staff } = await staTenant(server);
    const tag = `j${Date.now().toString(36)}`;
    const made: number[] = [];
    for (const [i, flag] of [true, 'true', false].entries())
      made.push(
        await staff.create('/Things', {
          name: `${tag}-${i}`,
          description: 'd',
          properties: {
            int: i + 8,
            flag,
            same: true,
            intArray: [i + 8, i + 9],
            strArray: [`s${i + 8}`, `s${i + 9}`],
            intIntArray: [[i], [i + 10, i + 11]],
            objArray: [{ n: i }, { n: i * 2, ok: i % 2 === 0 }],
          },
        }),
      );
    const f = async (filter: string) => {
      const res = await staff.list(
        `/Things?$filter=${encodeURIComponent(`startswith(name, '${tag}') and (${filter})`)}`,
      );
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      return ids(res);
    };
    assert.deepEqual(await f('properties/intArray[1] gt 9'), [made[1], made[2]]);
    assert.deepEqual(await f('properties/intIntArray[1][0] eq 11'), [made[1]]);
    assert.deepEqual(await f('properties/objArray[1]/n ge 2 and properties/objArray[1]/ok'), [made[2]]);
    assert.deepEqual(await f('properties/int in (8, 10)'), [made[0], made[2]]);
    assert.deepEqual(await f('9 in properties/intArray'), [made[0], made[1]]);
    assert.deepEqual(await f("'s10' in properties/strArray"), [made[1], made[2]]);
    assert.deepEqual(await f("properties/int eq '9'"), [made[1]]);
    // JSON against JSON: "true" equals true by their text.
    assert.deepEqual(await f('properties/flag eq properties/same'), [made[0], made[1]]);
    assert.deepEqual(
      (await staff.sta('GET', `/Things(${made[1]})/properties/intIntArray%5B1%5D%5B0%5D`)).body,
      {
        'intIntArray[1][0]': 11,
      },
    );
    assert.equal((await staff.list(`/Things?$filter=${encodeURIComponent('1 in name')}`)).status, 400);
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
    if (!(await hasPostgis(server.ctx.db))) {
      const unsupported = await staff.list(
        `/Locations?$filter=${encodeURIComponent("st_touches(location, geography'POINT(1 1)')")}`,
      );
      assert.equal(unsupported.status, 400);
    }
  });

  test('with PostGIS: exact relations of lines and polygons (DE-9IM), two stored geometries', async (t) => {
    const postgis = await hasPostgis(server.ctx.db);
    // CI installs postgresql-15-postgis-3, so the PostgreSQL lane must have it; PGlite never has.
    assert.equal(postgis, testLane === 'postgres');
    if (!postgis) return t.diagnostic('PGlite: no PostGIS, the fallback is tested above');
    const { staff } = await staTenant(server);
    const tag = `g${Date.now().toString(36)}`;
    const create = (name: string, location: unknown) =>
      staff.create('/Locations', {
        name: `${tag}-${name}`,
        description: 'd',
        encodingType: 'application/geo+json',
        location,
      });
    const square = await create('square', {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
          [0, 0],
        ],
      ],
    });
    // Crosses the square with no vertex inside it: vertex tests alone would miss this.
    const road = await create('road', {
      type: 'LineString',
      coordinates: [
        [-1, 2],
        [5, 2],
      ],
    });
    const corner = await create('corner', { type: 'Point', coordinates: [4, 4] });
    const loc = (filter: string) => staff.idsWhere('Locations', tag, filter);
    const overlapping = "geography'POLYGON((3 3, 6 3, 6 6, 3 6, 3 3))'";
    const beside = "geography'POLYGON((4 0, 6 0, 6 4, 4 4, 4 0))'";
    assert.deepEqual(await loc("st_intersects(location, geography'LINESTRING(2 -1, 2 5)')"), [square, road]);
    // A line crosses both: the other line at a point, the polygon from outside to inside.
    assert.deepEqual(await loc("st_crosses(location, geography'LINESTRING(2 -1, 2 5)')"), [square, road]);
    assert.deepEqual(await loc("st_crosses(location, geography'LINESTRING(-1 -1, -1 5)')"), []);
    assert.deepEqual(await loc(`st_overlaps(location, ${overlapping})`), [square]);
    assert.deepEqual(await loc(`st_touches(location, ${beside})`), [square, corner]);
    assert.deepEqual(await loc(`st_within(location, ${overlapping})`), [corner]);
    assert.deepEqual(await loc(`st_relate(location, ${beside}, 'FF2F11212')`), [square]);
    assert.deepEqual(await loc(`geo.intersects(location, ${beside})`), [square, road, corner]);
    // The square's nearest point to (7 8) is its corner (4 4): exact distances, not vertices or bboxes.
    assert.deepEqual(await loc("geo.distance(location, geography'POINT(7 8)') eq 5"), [square, corner]);
    assert.deepEqual(await loc("geo.distance(location, geography'POINT(2 -3)') eq 3"), [square]);
    assert.deepEqual(await loc('geo.length(location) eq 6'), [road]);
    // Two stored geometries (the fallback needs a literal): Things whose Location lies in the square.
    const inSquare = await staff.list(
      `/Locations?$filter=${encodeURIComponent(`name eq '${tag}-corner' and st_intersects(location, location)`)}`,
    );
    assert.deepEqual(ids(inSquare), [corner]);
  });
});
