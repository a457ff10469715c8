// The HTTP API of the time-series storage: who sees what, caching headers, paging and bulk ingestion.
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { createSensorFixture } from './observation.fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

interface Latest {
  datastreams: { id: number; time: string | null; value: unknown; unit: string | null }[];
}
interface ErrorBody {
  error: { code: string; details?: Record<string, unknown> };
}

async function setup(streams = 2) {
  const tenant = await createTestTenant(server.ctx.db);
  const user = await createTestUser(server.ctx.db, { home: tenant.municipality, roles: ['municipal_admin'] });
  const fixture = await createSensorFixture(server.ctx.db, tenant.municipality.id, streams);
  const staff = new TestClient(server.url);
  assert.equal((await staff.login(user.email, TEST_PASSWORD)).status, 200);
  return { ...tenant, user, staff, ids: fixture.datastreamIds };
}

async function apiKey(client: TestClient, municipalityId: string, scopes: string[]): Promise<TestClient> {
  const created = await client.post<{ secret: string }>('/api/me/credentials', {
    kind: 'api_key',
    label: 'Import',
    scopes,
    municipalityId,
  });
  assert.equal(created.status, 201);
  const machine = new TestClient(server.url);
  machine.authorization = `Bearer ${created.body.secret}`;
  return machine;
}

describe('bulk ingestion', () => {
  test('an API key with sensors:write stores a compact batch after commit', async () => {
    const { municipality, staff, ids } = await setup();
    const machine = await apiKey(staff, municipality.id, ['sensors:write']);
    const res = await machine.post<{ stored: number }>('/api/sensors/observations:bulk', {
      datastreams: [
        {
          id: ids[0],
          observations: [
            ['2026-11-20T08:00:00Z', 12.5],
            ['2026-11-20T08:05:00+01:00', 13],
          ],
        },
        { id: ids[1], observations: [['2026-11-20T08:00:00.250Z', 'offline']] },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { stored: 3 });
    const rows = await server.ctx.db
      .selectFrom('sensor_observations')
      .select(['datastream_id', 'phenomenon_time_start', 'result_number', 'result'])
      .where('datastream_id', 'in', ids)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.datastream_id, r.phenomenon_time_start.toISOString(), r.result_number ?? r.result]),
      [
        [ids[0], '2026-11-20T08:00:00.000Z', 12.5],
        [ids[0], '2026-11-20T07:05:00.000Z', 13],
        [ids[1], '2026-11-20T08:00:00.250Z', 'offline'],
      ],
    );
  });

  test('a bad row rejects the whole request and is named by its indexes', async () => {
    const { municipality, staff, ids } = await setup();
    const machine = await apiKey(staff, municipality.id, ['sensors:write']);
    const bad = await machine.post<ErrorBody>('/api/sensors/observations:bulk', {
      datastreams: [
        { id: ids[0], observations: [['2026-11-20T08:00:00Z', 1]] },
        {
          id: ids[1],
          observations: [
            ['2026-11-20T08:00:00Z', 2],
            ['20.11.2026 08:00', 3],
          ],
        },
      ],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_failed');
    assert.deepEqual(bad.body.error.details, { datastream: 1, observation: 1 });
    const nullResult = await machine.post<ErrorBody>('/api/sensors/observations:bulk', {
      datastreams: [{ id: ids[0], observations: [['2026-11-20T08:00:00Z', null]] }],
    });
    assert.equal(nullResult.status, 400);

    const foreign = await setup(1);
    const unknown = await machine.post<ErrorBody>('/api/sensors/observations:bulk', {
      datastreams: [
        { id: ids[0], observations: [['2026-11-20T08:00:00Z', 1]] },
        { id: foreign.ids[0], observations: [['2026-11-20T08:00:00Z', 1]] },
      ],
    });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body.error.details, { datastream: 1, observation: 0 });
    const count = await server.ctx.db
      .selectFrom('sensor_observations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('datastream_id', 'in', ids)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0, 'nothing of a rejected request is stored');
  });

  test('anonymous, read-only keys and other municipalities may not write', async () => {
    const { municipality, staff, ids } = await setup();
    const body = { datastreams: [{ id: ids[0], observations: [['2026-11-20T08:00:00Z', 1]] }] };
    assert.equal((await new TestClient(server.url).post('/api/sensors/observations:bulk', body)).status, 401);
    const reader = await apiKey(staff, municipality.id, ['api']);
    assert.equal((await reader.post('/api/sensors/observations:bulk', body)).status, 403);
    const other = await setup(1);
    const res = await other.staff.post('/api/sensors/observations:bulk', {
      ...body,
      municipalityId: municipality.id,
    });
    assert.equal(res.status, 403);
    // A staff session writes too (with its CSRF token).
    assert.equal((await staff.post('/api/sensors/observations:bulk', body)).status, 200);
  });
});

describe('latest values', () => {
  test('public for published Datastreams, everything of their municipality for staff; ETag and 304', async () => {
    const { municipality, staff, ids } = await setup(3);
    await server.ctx.observations.create(municipality.id, [
      {
        datastreamId: ids[0]!,
        phenomenonTime: { start: new Date('2026-11-20T08:00:00Z'), end: null },
        result: 4.5,
      },
      {
        datastreamId: ids[1]!,
        phenomenonTime: { start: new Date('2026-11-20T09:00:00Z'), end: null },
        result: 1,
      },
    ]);
    await server.ctx.publications.publish(municipality.id, 'datastream', String(ids[0]), systemActor());
    await server.ctx.publications.publish(municipality.id, 'datastream', String(ids[2]), systemActor());

    const anonymous = new TestClient(server.url);
    const query = `/api/sensors/latest?datastream=${ids[0]},${ids[1]}&datastream=${ids[2]}`;
    const res = await anonymous.get<Latest>(query);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.datastreams, [
      { id: ids[0], time: '2026-11-20T08:00:00.000Z', value: 4.5, unit: '°C' },
      { id: ids[2], time: null, value: null, unit: '°C' },
    ]);
    const etag = res.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    assert.match(res.headers.get('cache-control')!, /^public, max-age=\d+$/);
    assert.ok(res.headers.get('last-modified'));
    const again = await anonymous.get(query, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');

    const mine = await staff.get<Latest>(query);
    assert.deepEqual(
      mine.body.datastreams.map((d) => [d.id, d.value]),
      [
        [ids[0], 4.5],
        [ids[1], 1],
        [ids[2], null],
      ],
    );
    assert.match(mine.headers.get('cache-control')!, /private/);
    const byMunicipality = await anonymous.get<Latest>(`/api/sensors/latest?municipality=${municipality.id}`);
    assert.deepEqual(
      byMunicipality.body.datastreams.map((d) => d.id),
      [ids[0], ids[2]],
    );

    // A new value changes the ETag.
    await server.ctx.observations.create(municipality.id, [
      {
        datastreamId: ids[0]!,
        phenomenonTime: { start: new Date('2026-11-20T10:00:00Z'), end: null },
        result: 5,
      },
    ]);
    const changed = await anonymous.get(query, { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.equal((await anonymous.get('/api/sensors/latest')).status, 400);
    assert.equal((await anonymous.get('/api/sensors/latest?datastream=1;drop')).status, 400);
  });
});

/** A GET without fetch's automatic decompression, to see the bytes on the wire. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(url, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        })
        .on('error', reject);
    },
  );
}

describe('latest values, cached answers', () => {
  const valuesOf = (body: Latest) => body.datastreams.map((d) => [d.id, d.value]);

  test('a change made elsewhere (another instance, plain SQL) reaches the cached answer via NOTIFY', async () => {
    const { municipality, ids } = await setup(2);
    await server.ctx.observations.create(municipality.id, [
      {
        datastreamId: ids[0]!,
        phenomenonTime: { start: new Date('2026-11-20T08:00:00Z'), end: null },
        result: 1,
      },
    ]);
    await server.ctx.publications.publish(municipality.id, 'datastream', String(ids[0]), systemActor());
    const anonymous = new TestClient(server.url);
    const url = `/api/sensors/latest?municipality=${municipality.id}`;
    const first = await waitFor('the published stream', async () => {
      const res = await anonymous.get<Latest>(url);
      return res.body.datastreams.length === 1 ? res : undefined;
    });
    assert.deepEqual(valuesOf(first.body), [[ids[0], 1]]);
    assert.equal((await anonymous.get(url, { 'if-none-match': first.headers.get('etag')! })).status, 304);

    // Not through this process's services: only the database's notification can tell the cache.
    await sql`update sensor_latest set result_number = 2 where datastream_id = ${ids[0]}`.execute(
      server.ctx.db,
    );
    await waitFor('the new value', async () => {
      const res = await anonymous.get<Latest>(url);
      return res.body.datastreams[0]?.value === 2 ? res : undefined;
    });
    // Publishing and unpublishing change what anonymous readers get.
    await server.ctx.publications.publish(municipality.id, 'datastream', String(ids[1]), systemActor());
    await waitFor('the second stream', async () =>
      (await anonymous.get<Latest>(url)).body.datastreams.length === 2 ? true : undefined,
    );
    await server.ctx.publications.unpublish(municipality.id, 'datastream', String(ids[0]), systemActor());
    const last = await waitFor('the unpublished stream gone', async () => {
      const res = await anonymous.get<Latest>(url);
      return res.body.datastreams.length === 1 ? res : undefined;
    });
    assert.deepEqual(valuesOf(last.body), [[ids[1], null]]);
    // A unit change (a Datastream update) as well.
    await sql`update sensor_datastreams set unit_of_measurement = '{"name":"Meter","symbol":"m"}'::jsonb where id = ${ids[1]}`.execute(
      server.ctx.db,
    );
    await waitFor('the new unit', async () =>
      (await anonymous.get<Latest>(url)).body.datastreams[0]?.unit === 'm' ? true : undefined,
    );
  });

  test('gzip when accepted, with its own ETag; staff answers are not mixed with anonymous ones', async () => {
    const { municipality, staff, ids } = await setup(2);
    await server.ctx.observations.create(municipality.id, [
      {
        datastreamId: ids[1]!,
        phenomenonTime: { start: new Date('2026-11-20T08:00:00Z'), end: null },
        result: 7,
      },
    ]);
    await server.ctx.publications.publish(municipality.id, 'datastream', String(ids[0]), systemActor());
    const url = `${server.url}/api/sensors/latest?municipality=${municipality.id}`;
    const plain = await waitFor('the published stream', async () => {
      const res = await rawGet(url, {});
      return res.body.includes(`"id":${ids[0]}`) ? res : undefined;
    });
    assert.equal(plain.headers['content-encoding'], undefined);
    const zipped = await rawGet(url, { 'accept-encoding': 'br, gzip;q=0.8' });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(zipped.headers.vary!, /Accept-Encoding/);
    assert.deepEqual(gunzipSync(zipped.body), plain.body);
    assert.notEqual(zipped.headers.etag, plain.headers.etag);
    const refused = await rawGet(url, { 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    const notModified = await rawGet(url, {
      'accept-encoding': 'gzip',
      'if-none-match': zipped.headers.etag!,
    });
    assert.equal(notModified.status, 304);
    // A 304 has no body and must not announce one (clients would wait for it).
    assert.equal(notModified.headers['content-length'], undefined);
    assert.equal(notModified.body.length, 0);

    // Staff see the unpublished stream too, the anonymous answer (cached meanwhile) stays as it was.
    const mine = await staff.get<Latest>(`/api/sensors/latest?municipality=${municipality.id}`);
    assert.deepEqual(valuesOf(mine.body), [
      [ids[0], null],
      [ids[1], 7],
    ]);
    const theirs = JSON.parse((await rawGet(url, {})).body.toString()) as Latest;
    assert.deepEqual(valuesOf(theirs), [[ids[0], null]]);
  });
});

describe('aggregates', () => {
  test('rollups per interval, paged, public only when published', async () => {
    const { municipality, staff, ids } = await setup(1);
    const id = ids[0]!;
    const inputs = [];
    for (let h = 0; h < 48; h++)
      for (const m of [0, 30])
        inputs.push({
          datastreamId: id,
          phenomenonTime: { start: new Date(Date.UTC(2026, 10, 20, h, m)), end: null },
          result: h,
        });
    await server.ctx.observations.create(municipality.id, inputs.reverse());
    const anonymous = new TestClient(server.url);
    const path = `/api/sensors/datastreams/${id}/aggregates`;
    assert.equal((await anonymous.get(`${path}?interval=hour`)).status, 404);
    interface Aggregates {
      timeZone: string;
      buckets: { start: string; count: number; avg: number; min: number; max: number; sum: number }[];
      next: string | null;
    }
    const hours = await staff.get<Aggregates>(`${path}?interval=hour&from=2026-11-20T10:00:00Z&limit=5`);
    assert.equal(hours.status, 200);
    assert.equal(hours.body.timeZone, 'UTC');
    assert.deepEqual(hours.body.buckets[0], {
      start: '2026-11-20T10:00:00.000Z',
      count: 2,
      avg: 10,
      min: 10,
      max: 10,
      sum: 20,
    });
    assert.equal(hours.body.buckets.length, 5);
    assert.equal(hours.body.next, '2026-11-20T15:00:00.000Z');

    await server.ctx.publications.publish(municipality.id, 'datastream', String(id), systemActor());
    const days = await anonymous.get<Aggregates>(`${path}?interval=day`);
    assert.equal(days.status, 200);
    assert.equal(days.body.timeZone, 'Europe/Berlin');
    // 20 Nov 00:00 UTC is 01:00 in Berlin: the first Berlin day (from 19 Nov 23:00 UTC) gets 23 hours.
    assert.deepEqual(
      days.body.buckets.map((b) => [b.start, b.count]),
      [
        ['2026-11-19T23:00:00.000Z', 46],
        ['2026-11-20T23:00:00.000Z', 48],
        ['2026-11-21T23:00:00.000Z', 2],
      ],
    );
    assert.equal(days.body.next, null);
    assert.equal((await anonymous.get(`${path}?interval=week`)).status, 400);
    assert.equal(
      (await anonymous.get(`/api/sensors/datastreams/999999999/aggregates?interval=day`)).status,
      404,
    );
  });
});
