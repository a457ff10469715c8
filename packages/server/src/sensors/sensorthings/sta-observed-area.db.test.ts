// A Datastream's observedArea is derived from the FeaturesOfInterest of its Observations (read-only):
// the layout of the conformance suite's geo tests, on PGlite (vertex fallback) and PostgreSQL (PostGIS).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backfillObservedArea } from '../../core/db/migrations/0031_sensor_observed_area.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { point, staTenant, thingWithDatastream, type StaClient } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

async function datastreamOf(staff: StaClient, name: string, x: number, y: number) {
  const thing = await staff.create('/Things', thingWithDatastream(name, x, y));
  return (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
}

async function observedArea(staff: StaClient, set: string, id: number): Promise<unknown> {
  const res = await staff.sta<{ observedArea?: unknown }>('GET', `/${set}(${id})`);
  assert.equal(res.status, 200, res.text);
  return res.body.observedArea ?? null;
}

describe('Datastream observedArea', () => {
  test('is the bounding box of the FeaturesOfInterest observed, and $filter reads it', async () => {
    const { staff, anonymous } = await staTenant(server);
    const tag = `oa${Date.now().toString(36)}`;
    const feature = (name: string, geometry: unknown) =>
      staff.create('/FeaturesOfInterest', {
        name: `${tag}-${name}`,
        description: 'd',
        encodingType: 'application/geo+json',
        feature: geometry,
      });
    const observe = (ds: number, foi: number, day: number) =>
      staff.create('/Observations', {
        phenomenonTime: `2016-01-0${day}T01:01:01Z`,
        result: day,
        Datastream: { '@iot.id': ds },
        FeatureOfInterest: { '@iot.id': foi },
      });
    const [ds0, ds1, ds2, ds3, unobserved] = [
      await datastreamOf(staff, `${tag}-0`, 8, 51),
      await datastreamOf(staff, `${tag}-1`, 8, 53),
      await datastreamOf(staff, `${tag}-2`, 8, 54),
      await datastreamOf(staff, `${tag}-3`, 7, 52),
      await datastreamOf(staff, `${tag}-4`, 9, 50),
    ];
    assert.equal(await observedArea(staff, 'Datastreams', unobserved), null, 'nothing observed yet');

    await observe(ds0, await feature('0', point(8, 51)), 1);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds0), point(8, 51), 'one position: a Point');
    await observe(ds0, await feature('1', point(8, 52)), 2);
    // Two positions on one meridian: the box is degenerate, a line (as PostGIS's ST_Envelope answers).
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds0), {
      type: 'LineString',
      coordinates: [
        [8, 51],
        [8, 52],
      ],
    });
    await observe(ds1, await feature('2', point(8, 53)), 3);
    await observe(ds2, await feature('3', point(8, 54)), 4);
    const triangle = {
      type: 'Polygon',
      coordinates: [
        [
          [8, 53],
          [7, 52],
          [7, 53],
          [8, 53],
        ],
      ],
    };
    await observe(ds3, await feature('4', triangle), 5);
    // A later observation inside the box leaves it as it is.
    await observe(ds3, await feature('5', point(7.5, 52.5)), 6);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds3), {
      type: 'Polygon',
      coordinates: [
        [
          [7, 52],
          [8, 52],
          [8, 53],
          [7, 53],
          [7, 52],
        ],
      ],
    });
    // Read-only: a client's value is ignored.
    const patched = await staff.sta('PATCH', `/Datastreams(${ds1})`, { observedArea: point(0, 0) });
    assert.ok(patched.status < 300, patched.text);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds1), point(8, 53));
    assert.deepEqual(
      (await staff.sta('GET', `/Datastreams(${ds1})/observedArea/$value`)).text,
      JSON.stringify(point(8, 53)),
    );

    const datastreams = (filter: string) => staff.idsWhere('Datastreams', tag, filter);
    const box = "geography'POLYGON((7.5 51.5, 7.5 53.5, 8.5 53.5, 8.5 51.5, 7.5 51.5))'";
    assert.deepEqual(await datastreams(`geo.intersects(observedArea, ${box})`), [ds0, ds1, ds3]);
    assert.deepEqual(await datastreams(`st_intersects(observedArea, ${box})`), [ds0, ds1, ds3]);
    assert.deepEqual(await datastreams(`st_contains(${box}, observedArea)`), [ds1]);
    assert.deepEqual(await datastreams('observedArea eq null'), [unobserved]);
    // Unpublished, the Datastream and its observedArea stay hidden from anonymous readers.
    assert.equal((await anonymous.sta('GET', `/Datastreams(${ds0})`)).status, 404);
  });

  test('follows the automatic FeatureOfInterest, in batches, and for MultiDatastreams', async () => {
    const { staff } = await staTenant(server);
    const tag = `ob${Date.now().toString(36)}`;
    const ds = await datastreamOf(staff, `${tag}-ds`, 9.6, 50.4);
    // No FeatureOfInterest given: the Thing's Location becomes it.
    const created = await staff.sta<string[]>('POST', '/CreateObservations', [
      {
        Datastream: { '@iot.id': ds },
        components: ['phenomenonTime', 'result'],
        dataArray: [
          ['2024-01-01T00:00:00Z', 1],
          ['2024-01-01T00:15:00Z', 2],
        ],
      },
    ]);
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), point(9.6, 50.4));
    // One batch switching between two features: each counts.
    const auto = (await staff.list(`/Datastreams(${ds})/Observations?$expand=FeatureOfInterest($select=id)`))
      .body.value[0]!.FeatureOfInterest as { '@iot.id': number };
    const field = await staff.create('/FeaturesOfInterest', {
      name: `${tag}-south`,
      description: 'd',
      encodingType: 'application/geo+json',
      feature: point(9.9, 50.1),
    });
    const mixed = await staff.sta<string[]>('POST', '/CreateObservations', [
      {
        Datastream: { '@iot.id': ds },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        dataArray: [
          ['2024-01-01T00:30:00Z', 3, auto['@iot.id']],
          ['2024-01-01T00:45:00Z', 4, field],
          ['2024-01-01T01:00:00Z', 5, auto['@iot.id']],
        ],
      },
    ]);
    assert.equal(mixed.status, 201, mixed.text);
    assert.ok(
      mixed.body.every((link) => link !== 'error'),
      mixed.text,
    );
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), {
      type: 'Polygon',
      coordinates: [
        [
          [9.6, 50.1],
          [9.9, 50.1],
          [9.9, 50.4],
          [9.6, 50.4],
          [9.6, 50.1],
        ],
      ],
    });

    const thing = (await staff.sta<{ '@iot.id': number }>('GET', `/Datastreams(${ds})/Thing`)).body[
      '@iot.id'
    ];
    const sensor = (await staff.sta<{ '@iot.id': number }>('GET', `/Datastreams(${ds})/Sensor`)).body[
      '@iot.id'
    ];
    const property = (await staff.sta<{ '@iot.id': number }>('GET', `/Datastreams(${ds})/ObservedProperty`))
      .body['@iot.id'];
    const mds = await staff.create('/MultiDatastreams', {
      name: `${tag}-wind`,
      description: 'd',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation',
      multiObservationDataTypes: ['http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement'],
      unitOfMeasurements: [{ name: 'm/s', symbol: 'm/s', definition: 'x' }],
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperties: [{ '@iot.id': property }],
    });
    assert.equal(await observedArea(staff, 'MultiDatastreams', mds), null);
    await staff.create(`/MultiDatastreams(${mds})/Observations`, {
      result: [3.2],
      phenomenonTime: '2024-01-01T00:00:00Z',
      FeatureOfInterest: {
        name: `${tag}-field`,
        description: 'd',
        encodingType: 'application/geo+json',
        feature: {
          type: 'LineString',
          coordinates: [
            [9.5, 50.3],
            [9.7, 50.5],
          ],
        },
      },
    });
    assert.deepEqual(await observedArea(staff, 'MultiDatastreams', mds), {
      type: 'Polygon',
      coordinates: [
        [
          [9.5, 50.3],
          [9.7, 50.3],
          [9.7, 50.5],
          [9.5, 50.5],
          [9.5, 50.3],
        ],
      ],
    });

    // Streams with Observations from before migration 0031 get theirs from the migration's backfill.
    const areas = async () => [
      await observedArea(staff, 'Datastreams', ds),
      await observedArea(staff, 'MultiDatastreams', mds),
    ];
    const kept = await areas();
    for (const table of ['sensor_datastreams', 'sensor_multi_datastreams'] as const)
      await server.ctx.db
        .updateTable(table)
        .set({ observed_area: null, observed_bbox: null })
        .where('id', '=', table === 'sensor_datastreams' ? ds : mds)
        .execute();
    assert.deepEqual(await areas(), [null, null]);
    await backfillObservedArea(server.ctx.db, { datastreams: [ds], multiDatastreams: [mds] });
    assert.deepEqual(await areas(), kept);
  });

  test('shrinks with the time extents when Observations are deleted or moved, and is gone with the last', async () => {
    const { staff } = await staTenant(server);
    const tag = `oas${Date.now().toString(36)}`;
    const [ds, other] = [
      await datastreamOf(staff, `${tag}-0`, 8, 51),
      await datastreamOf(staff, `${tag}-1`, 9, 50),
    ];
    const observe = async (x: number, y: number, day: number, resultTime: string | null = null) =>
      staff.create('/Observations', {
        phenomenonTime: `2016-02-0${day}T00:00:00Z`,
        resultTime,
        result: day,
        Datastream: { '@iot.id': ds },
        FeatureOfInterest: {
          name: `${tag}-f${day}`,
          description: 'd',
          encodingType: 'application/geo+json',
          feature: point(x, y),
        },
      });
    const first = await observe(8, 51, 1, '2016-02-01T00:05:00Z');
    const middle = await observe(8, 52, 2);
    const last = await observe(9, 52, 3, '2016-02-03T00:05:00Z');
    const extents = async () => {
      const body = (await staff.sta<Record<string, unknown>>('GET', `/Datastreams(${ds})`)).body;
      return { phenomenonTime: body.phenomenonTime, resultTime: body.resultTime };
    };
    assert.deepEqual(await extents(), {
      phenomenonTime: '2016-02-01T00:00:00.000Z/2016-02-03T00:00:00.000Z',
      resultTime: '2016-02-01T00:05:00.000Z/2016-02-03T00:05:00.000Z',
    });

    assert.equal((await staff.sta('DELETE', `/Observations(${last})`)).status, 200);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), {
      type: 'LineString',
      coordinates: [
        [8, 51],
        [8, 52],
      ],
    });
    assert.deepEqual(await extents(), {
      phenomenonTime: '2016-02-01T00:00:00.000Z/2016-02-02T00:00:00.000Z',
      resultTime: '2016-02-01T00:05:00.000Z/2016-02-01T00:05:00.000Z',
    });

    // Moved to another Datastream: gone from this one's extents, part of the other's.
    const moved = await staff.sta('PATCH', `/Observations(${first})`, { Datastream: { '@iot.id': other } });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), point(8, 52));
    assert.deepEqual(await observedArea(staff, 'Datastreams', other), point(8, 51));
    assert.deepEqual(await extents(), {
      phenomenonTime: '2016-02-02T00:00:00.000Z/2016-02-02T00:00:00.000Z',
      resultTime: null,
    });

    // The last one by a DELETE on the collection (Observations deleted together).
    const deleted = await staff.sta('DELETE', `/Datastreams(${ds})/Observations?$filter=result eq 2`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await staff.sta('GET', `/Observations(${middle})`)).status, 404);
    assert.equal(await observedArea(staff, 'Datastreams', ds), null);
    assert.deepEqual(await extents(), { phenomenonTime: null, resultTime: null });
    // Observed again: widened from nothing, as the first time.
    const again = await observe(7, 50, 4);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), point(7, 50));

    // Its FeatureOfInterest moved: the box follows it.
    const foi = (await staff.sta<{ '@iot.id': number }>('GET', `/Observations(${again})/FeatureOfInterest`))
      .body['@iot.id'];
    const movedFeature = await staff.sta('PATCH', `/FeaturesOfInterest(${foi})`, { feature: point(6, 49) });
    assert.equal(movedFeature.status, 200, movedFeature.text);
    assert.deepEqual(await observedArea(staff, 'Datastreams', ds), point(6, 49));
  });
});
