// MultiDatastreams get rollups per component and a latest value like Datastreams: at ingest (STA HTTP,
// dataArray), corrected on PATCH/PUT/DELETE of Observations, removed with the MultiDatastream, and served
// by GET /api/sensors/multidatastreams/:id/aggregates and GET /api/sensors/latest?multidatastream=.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { staTenant, thingWithDatastream, type StaClient } from '../sensorthings/sta-fixtures.js';
import { waitFor } from '../../test-support/wait.js';
import { assertMultiRollupsMatchRaw } from './observation.fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';

async function windStation(staff: StaClient, name: string): Promise<{ thing: number; mds: number }> {
  const thing = await staff.create('/Things', thingWithDatastream(name));
  const mds = await staff.create('/MultiDatastreams', {
    name: `${name} wind`,
    description: 'speed, direction, state',
    observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation',
    multiObservationDataTypes: [
      MEASUREMENT,
      MEASUREMENT,
      'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation',
    ],
    unitOfMeasurements: [
      { name: 'metre per second', symbol: 'm/s', definition: 'x' },
      { name: 'degree', symbol: '°', definition: 'y' },
      { name: 'state', symbol: null, definition: 'z' },
    ],
    Thing: { '@iot.id': thing },
    Sensor: { name: 'Anemometer', description: 's', encodingType: 'application/pdf', metadata: 'm' },
    ObservedProperties: [
      { name: 'Wind speed', definition: 'https://example.org/ws', description: 'd' },
      { name: 'Wind direction', definition: 'https://example.org/wd', description: 'd' },
      { name: 'State', definition: 'https://example.org/st', description: 'd' },
    ],
  });
  return { thing, mds };
}

describe('MultiDatastream rollups and latest values', () => {
  test('maintained at ingest per component and corrected on update and delete', async () => {
    const { staff } = await staTenant(server);
    const { mds: a } = await windStation(staff, 'Wind A');
    const { mds: b } = await windStation(staff, 'Wind B');
    const obs: number[] = [];
    // Around October's DST change in Berlin, two 5-minute buckets, two months; non-numeric components.
    for (const [time, result] of [
      ['2026-10-24T22:01:00Z', [4, 180, 'ok']],
      ['2026-10-24T22:02:00Z', [9, 190, 'ok']],
      ['2026-10-24T22:07:00Z', [1, null, 'gust']],
      ['2026-10-31T23:30:00Z', [7, 200, 'ok']],
    ] as const)
      obs.push(await staff.create(`/MultiDatastreams(${a})/Observations`, { phenomenonTime: time, result }));
    // dataArray into the other one, with a late value.
    const created = await staff.sta<string[]>('POST', '/CreateObservations', [
      {
        MultiDatastream: { '@iot.id': b },
        components: ['phenomenonTime', 'result'],
        dataArray: [
          ['2026-11-01T10:00:00Z', [2, 90, 'ok']],
          ['2026-10-01T10:00:00Z', [3, 95, 'ok']],
        ],
      },
    ]);
    assert.equal(created.status, 201, created.text);
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after create');

    const latest = async (id: number) =>
      (
        await server.ctx.db
          .selectFrom('sensor_multi_latest')
          .selectAll()
          .where('multi_datastream_id', '=', id)
          .executeTakeFirst()
      )?.result ?? null;
    assert.deepEqual(await latest(a), [7, 200, 'ok']);
    assert.deepEqual(await latest(b), [2, 90, 'ok'], 'late data does not replace the newer value');

    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs[1]})`, { result: [2, 10, 'ok'] })).status,
      200,
    );
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after PATCH result');
    assert.equal(
      (await staff.sta('PATCH', `/Observations(${obs[0]})`, { phenomenonTime: '2026-11-02T10:00:00Z' }))
        .status,
      200,
    );
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after PATCH time');
    assert.deepEqual(await latest(a), [4, 180, 'ok'], 'the moved observation is the newest now');
    const put = await staff.sta('PUT', `/Observations(${obs[2]})`, {
      phenomenonTime: '2026-10-24T22:08:00Z',
      result: ['calm', 5, 'ok'],
      MultiDatastream: { '@iot.id': a },
    });
    assert.equal(put.status, 200, put.text);
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after PUT with another non-numeric component');

    assert.equal((await staff.sta('DELETE', `/Observations(${obs[0]})`)).status, 200);
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after DELETE of the newest');
    assert.deepEqual(await latest(a), [7, 200, 'ok']);
    for (const id of [obs[1], obs[2], obs[3]]) await staff.sta('DELETE', `/Observations(${id})`);
    await assertMultiRollupsMatchRaw(server.ctx.db, [a, b], 'after deleting all of a');
    const left = await server.ctx.db
      .selectFrom('sensor_multi_rollups')
      .select('multi_datastream_id')
      .where('multi_datastream_id', '=', a)
      .execute();
    assert.equal(left.length, 0, 'empty buckets are gone');
    assert.equal(await latest(a), null);

    // Deleting the MultiDatastream removes its rollups and latest value.
    assert.equal((await staff.sta('DELETE', `/MultiDatastreams(${b})`)).status, 200);
    const rest = await server.ctx.db
      .selectFrom('sensor_multi_rollups')
      .select('multi_datastream_id')
      .where('multi_datastream_id', '=', b)
      .execute();
    assert.equal(rest.length, 0);
    assert.equal(await latest(b), null);
  });

  test('served by the aggregate and latest-value APIs, with visibility', async () => {
    const { staff, anonymous, municipality } = await staTenant(server);
    const { mds } = await windStation(staff, 'Wind API');
    for (const [time, result] of [
      ['2026-03-10T08:00:00Z', [4, 100, 'ok']],
      ['2026-03-10T09:10:00Z', [6, 'n/a', 'ok']],
      ['2026-03-11T08:00:00Z', [5, 300, 'ok']],
    ] as const)
      await staff.create(`/MultiDatastreams(${mds})/Observations`, { phenomenonTime: time, result });

    type Agg = {
      units: (string | null)[];
      buckets: {
        start: string;
        components: ({ count: number; avg: number; min: number; max: number } | null)[];
      }[];
      next: string | null;
    };
    const day = await staff.get<Agg>(`/api/sensors/multidatastreams/${mds}/aggregates?interval=day`);
    assert.equal(day.status, 200, day.text);
    assert.deepEqual(day.body.units, ['m/s', '°', 'state']);
    assert.deepEqual(
      day.body.buckets.map((b) => [b.start, b.components.map((c) => c && [c.count, c.avg, c.min, c.max])]),
      [
        ['2026-03-09T23:00:00.000Z', [[2, 5, 4, 6], [1, 100, 100, 100], null]],
        ['2026-03-10T23:00:00.000Z', [[1, 5, 5, 5], [1, 300, 300, 300], null]],
      ],
    );
    const page = await staff.get<Agg>(
      `/api/sensors/multidatastreams/${mds}/aggregates?interval=hour&limit=1`,
    );
    assert.equal(page.body.buckets.length, 1);
    assert.equal(page.body.buckets[0]!.components.length, 3, 'a bucket is never split across pages');
    assert.equal(page.body.next, '2026-03-10T09:00:00.000Z');

    type Latest = {
      datastreams: unknown[];
      multiDatastreams?: { id: number; time: string | null; value: unknown; units: unknown[] }[];
    };
    const byId = await staff.get<Latest>(`/api/sensors/latest?multidatastream=${mds}`);
    assert.equal(byId.status, 200, byId.text);
    assert.deepEqual(byId.body, {
      datastreams: [],
      multiDatastreams: [
        { id: mds, time: '2026-03-11T08:00:00.000Z', value: [5, 300, 'ok'], units: ['m/s', '°', 'state'] },
      ],
    });
    const all = await staff.get<Latest>(`/api/sensors/latest?municipality=${municipality.id}`);
    assert.deepEqual(
      all.body.multiDatastreams?.map((m) => m.id),
      [mds],
    );
    assert.equal(all.body.datastreams.length, 1, 'the Thing also has a Datastream');

    // Anonymous readers: nothing until published.
    const hidden = await anonymous.get<Latest>(`/api/sensors/latest?multidatastream=${mds}`);
    assert.deepEqual(hidden.body.multiDatastreams, []);
    const aggregates = `/api/sensors/multidatastreams/${mds}/aggregates?interval=day`;
    assert.equal((await anonymous.get(aggregates)).status, 404);
    await server.ctx.publications.publish(municipality.id, 'multi_datastream', String(mds), systemActor());
    const shown = await waitFor('the published MultiDatastream', async () => {
      const res = await anonymous.get<Latest>(`/api/sensors/latest?multidatastream=${mds}`);
      return res.body.multiDatastreams?.length === 1 ? res : undefined;
    });
    assert.deepEqual(shown.body.multiDatastreams![0]!.value, [5, 300, 'ok']);
    assert.equal((await anonymous.get(aggregates)).status, 200);
    assert.equal(
      (await staff.get(`/api/sensors/multidatastreams/999999999/aggregates?interval=day`)).status,
      404,
    );
  });
});
