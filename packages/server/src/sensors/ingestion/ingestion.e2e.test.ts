import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { sample } from './test-samples.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

interface DeviceBody {
  id: number;
  devEui: string;
  datastreams: Record<string, number>;
  health: {
    lastSeenAt: string | null;
    batteryMv: number | null;
    batteryPercent: number | null;
    rssi: number | null;
    snr: number | null;
    fCnt: number | null;
    lastError: string | null;
  };
}

const newEui = () => randomBytes(8).toString('hex').toUpperCase();

/** A municipality with its admin, one integration per network server and a helper to register devices. */
async function setup() {
  const { municipality } = await createTestTenant(server.ctx.db);
  const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const staff = new TestClient(server.url);
  assert.equal((await staff.login(admin.email, TEST_PASSWORD)).status, 200);
  const base = `/api/municipalities/${municipality.id}`;
  const integration = async (networkServer: 'tts' | 'chirpstack') => {
    const res = await staff.post<{ id: string; secret: string }>(`${base}/lorawan-integrations`, {
      name: `${networkServer} Südkreis`,
      networkServer,
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  const tts = await integration('tts');
  const chirpstack = await integration('chirpstack');
  const device = async (profile: string, mounting: Record<string, number>, devEui = newEui()) => {
    const res = await staff.post<DeviceBody>(`${base}/devices`, {
      devEui,
      name: `Gerät ${devEui.slice(-4)}`,
      profile,
      mounting,
      location: { latitude: 50.42, longitude: 9.57 },
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  const post = (path: string, secret: string, body: unknown) =>
    new TestClient(server.url).request<{ status: string; reason?: string; observations?: number }>(
      'POST',
      path,
      {
        json: body,
        headers: { 'x-srp-integration-secret': secret },
      },
    );
  const sendTts = (body: unknown) => post('/integrations/tts/uplink', tts.secret, body);
  const sendChirpstack = (body: unknown, event = 'up') =>
    post(`/integrations/chirpstack?event=${event}`, chirpstack.secret, body);
  const getDevice = async (id: number) => (await staff.get<DeviceBody>(`${base}/devices/${id}`)).body;
  const values = async (datastreamId: number) =>
    server.ctx.db
      .selectFrom('sensor_observations')
      .select(['result_number', 'phenomenon_time_start', 'result_time'])
      .where('datastream_id', '=', datastreamId)
      .orderBy('phenomenon_time_start')
      .execute();
  const quarantine = async (deviceId?: number) =>
    (
      await staff.get<{
        entries: { id: number; reason: string; status: string; devEui: string; payload: unknown }[];
      }>(deviceId ? `${base}/devices/${deviceId}/quarantine` : `${base}/sensor-quarantine`)
    ).body.entries;
  return {
    municipality,
    staff,
    base,
    tts,
    chirpstack,
    device,
    sendTts,
    sendChirpstack,
    getDevice,
    values,
    quarantine,
  };
}

function ttsUplink(
  devEui: string,
  changes: { bytes?: number[]; decoded?: unknown; receivedAt?: string; fCnt?: number } = {},
) {
  const body = structuredClone(sample('tts-v3-uplink-water-level.json')) as {
    end_device_ids: { dev_eui: string };
    correlation_ids: string[];
    uplink_message: Record<string, unknown> & { rx_metadata: { time: string }[] };
  };
  body.end_device_ids.dev_eui = devEui;
  body.correlation_ids = [`as:up:${randomUUID()}`, `gs:uplink:${randomUUID()}`];
  const up = body.uplink_message;
  if (changes.bytes) up.frm_payload = Buffer.from(changes.bytes).toString('base64');
  if (changes.decoded !== undefined) {
    if (changes.decoded === null) delete up.decoded_payload;
    else up.decoded_payload = changes.decoded;
  }
  if (changes.receivedAt) {
    up.received_at = changes.receivedAt;
    up.rx_metadata[0]!.time = changes.receivedAt;
  }
  if (changes.fCnt !== undefined) up.f_cnt = changes.fCnt;
  return body;
}

function chirpstackUp(devEui: string) {
  const body = structuredClone(sample('chirpstack-v4-up-container-fill.json')) as {
    deduplicationId: string;
    deviceInfo: { devEui: string };
  };
  body.deviceInfo.devEui = devEui.toLowerCase();
  body.deduplicationId = randomUUID();
  return body;
}

describe('The Things Stack webhook', () => {
  test('the sample uplink becomes a water level with time, health and one stored copy', async () => {
    const t = await setup();
    const device = await t.device('water-level', { mountingHeightCm: 400 });
    const uplink = ttsUplink(device.devEui);
    const res = await t.sendTts(uplink);
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.body, { status: 'stored', observations: 1 });

    const stored = await t.values(device.datastreams.water_level_cm!);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.result_number, 250, '400 cm mounting height − 150 cm distance');
    assert.equal(
      stored[0]!.phenomenon_time_start.toISOString(),
      '2026-11-20T08:15:01.987Z',
      "the gateway's time",
    );
    assert.equal(
      stored[0]!.result_time?.toISOString(),
      '2026-11-20T08:15:02.050Z',
      "the network server's time",
    );

    const health = (await t.getDevice(device.id)).health;
    assert.equal(health.lastSeenAt, '2026-11-20T08:15:02.050Z');
    assert.equal(health.batteryMv, 3300);
    assert.equal(health.batteryPercent, 73);
    assert.equal(health.rssi, -97);
    assert.equal(health.snr, 7.25);
    assert.equal(health.fCnt, 4711);

    const again = await t.sendTts(uplink);
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
    const sameFrame = ttsUplink(device.devEui); // another correlation id, same frame counter and time
    assert.equal((await t.sendTts(sameFrame)).body.status, 'duplicate');
    assert.equal((await t.values(device.datastreams.water_level_cm!)).length, 1, 'stored once');
  });

  test('without decoded_payload the shipped decoder runs on the raw bytes', async () => {
    const t = await setup();
    const device = await t.device('water-level', { mountingHeightCm: 300 });
    const res = await t.sendTts(ttsUplink(device.devEui, { decoded: null, bytes: [0x0c, 0xe4, 0x03, 0xe8] }));
    assert.equal(res.body.status, 'stored', res.text);
    assert.equal((await t.values(device.datastreams.water_level_cm!))[0]!.result_number, 200);
  });

  test('concurrent deliveries of one uplink are stored once', async () => {
    const t = await setup();
    const device = await t.device('water-level', { mountingHeightCm: 400 });
    const uplink = ttsUplink(device.devEui);
    const results = await Promise.all([1, 2, 3, 4].map(() => t.sendTts(uplink)));
    assert.deepEqual(
      results.map((r) => r.status),
      [202, 202, 202, 202],
    );
    assert.equal(results.filter((r) => r.body.status === 'stored').length, 1);
    assert.equal((await t.values(device.datastreams.water_level_cm!)).length, 1);
  });

  test('a wrong or missing secret is 401, malformed input 400, and nothing is stored', async () => {
    const t = await setup();
    const device = await t.device('water-level', { mountingHeightCm: 400 });
    const client = new TestClient(server.url);
    const wrong = await client.request('POST', '/integrations/tts/uplink', {
      json: ttsUplink(device.devEui),
      headers: { 'x-srp-integration-secret': 'srpi_wrong' },
    });
    assert.equal(wrong.status, 401);
    assert.equal((await client.post('/integrations/tts/uplink', ttsUplink(device.devEui))).status, 401);
    const otherKind = await client.request('POST', '/integrations/tts/uplink', {
      json: ttsUplink(device.devEui),
      headers: { 'x-srp-integration-secret': t.chirpstack.secret },
    });
    assert.equal(otherKind.status, 403, 'a ChirpStack secret does not open the TTS door');
    const malformed = await client.request('POST', '/integrations/tts/uplink', {
      body: '{"end_device_ids": ',
      headers: { 'x-srp-integration-secret': t.tts.secret, 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.equal((await t.sendTts({ hello: 'world' })).status, 400);
    assert.equal((await t.sendTts({ end_device_ids: { dev_eui: 'nope' }, uplink_message: {} })).status, 400);
    const bearer = await client.request('POST', '/integrations/tts/uplink', {
      json: ttsUplink(device.devEui),
      headers: { authorization: `Bearer ${t.tts.secret}` },
    });
    assert.equal(bearer.status, 202, 'the secret may also come as a bearer token');
    assert.equal((await t.values(device.datastreams.water_level_cm!)).length, 1);
  });
});

describe('ChirpStack HTTP integration', () => {
  test('the sample up event becomes a fill level; status events carry the battery', async () => {
    const t = await setup();
    const device = await t.device('container-fill', { containerDepthMm: 1000 });
    const uplink = chirpstackUp(device.devEui);
    const res = await t.sendChirpstack(uplink);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'stored');
    const stored = await t.values(device.datastreams.fill_level_pct!);
    assert.equal(stored[0]!.result_number, 75);
    assert.equal(stored[0]!.phenomenon_time_start.toISOString(), '2026-11-20T08:20:11.512Z');
    assert.equal((await t.sendChirpstack(uplink)).body.status, 'duplicate');

    let health = (await t.getDevice(device.id)).health;
    assert.deepEqual([health.batteryMv, health.rssi, health.snr, health.fCnt], [3200, -105, 2.5, 102]);

    const status = await t.sendChirpstack(
      {
        deviceInfo: { devEui: device.devEui.toLowerCase() },
        time: '2026-11-20T09:00:00Z',
        margin: 8,
        batteryLevel: 64,
      },
      'status',
    );
    assert.equal(status.status, 202);
    health = (await t.getDevice(device.id)).health;
    assert.equal(health.batteryPercent, 64);
    assert.equal(health.lastSeenAt, '2026-11-20T09:00:00.000Z');

    for (const event of ['join', 'ack', 'txack', 'location', 'integration'])
      assert.equal(
        (
          await t.sendChirpstack(
            { deviceInfo: { devEui: device.devEui }, time: '2026-11-20T09:01:00Z' },
            event,
          )
        ).status,
        202,
        event,
      );
    const log = await t.sendChirpstack(
      {
        deviceInfo: { devEui: device.devEui },
        level: 'ERROR',
        code: 'UPLINK_CODEC',
        description: 'codec failed',
      },
      'log',
    );
    assert.equal(log.status, 202);
    assert.match((await t.getDevice(device.id)).health.lastError ?? '', /UPLINK_CODEC/);
    assert.equal((await t.sendChirpstack(uplink, 'bogus')).status, 400, 'unknown event');
  });
});

describe('quarantine', () => {
  test('every kind of bad uplink is quarantined with its reason, nothing is stored, the server goes on', async () => {
    const t = await setup();
    const gauge = await t.device('water-level', { mountingHeightCm: 400 });
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const cases: [string, unknown][] = [
      ['out_of_range', ttsUplink(gauge.devEui, { decoded: { battery_mv: 3300, water_level_cm: 4_000_000 } })],
      ['out_of_range', ttsUplink(gauge.devEui, { decoded: null, bytes: [0x0c, 0xe4, 0xff, 0xff] })],
      ['timestamp_in_future', ttsUplink(gauge.devEui, { receivedAt: future })],
      ['decoder_threw', ttsUplink(gauge.devEui, { decoded: null, bytes: [0x0c] })],
      [
        'invalid_values',
        ttsUplink(gauge.devEui, { decoded: { battery_mv: 3300, distance_mm: 'viel' }, bytes: [] }),
      ],
    ];
    for (const [i, [reason, body]] of cases.entries()) {
      (body as { uplink_message: { f_cnt: number } }).uplink_message.f_cnt = 100 + i;
      const res = await t.sendTts(body);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.status, 'quarantined', reason);
      assert.equal(res.body.reason, reason);
    }

    const unknownEui = newEui();
    const unknown = await t.sendTts(ttsUplink(unknownEui));
    assert.equal(unknown.body.reason, 'unknown_device');

    const entries = await t.quarantine(gauge.id);
    assert.deepEqual(entries.map((e) => e.reason).sort(), cases.map(([reason]) => reason).sort());
    const all = await t.quarantine();
    assert.ok(all.some((e) => e.reason === 'unknown_device' && e.devEui === unknownEui));
    assert.equal((await t.values(gauge.datastreams.water_level_cm!)).length, 0);
    assert.match(
      (await t.getDevice(gauge.id)).health.lastError ?? '',
      /^(out_of_range|timestamp|decoder|invalid)/,
    );

    const fine = await t.sendTts(ttsUplink(gauge.devEui, { fCnt: 999 }));
    assert.equal(fine.body.status, 'stored', 'the next good uplink is stored');
  });

  test('decoders that loop forever or return garbage are quarantined', async () => {
    const t = await setup();
    const fill = await t.device('container-fill', { containerDepthMm: 1000 });
    const put = (code: string) =>
      t.staff.request('PUT', `${t.base}/device-decoders/container-fill`, { json: { code } });
    const send = async (fCnt: number) => {
      const body = chirpstackUp(fill.devEui) as Record<string, unknown>;
      delete body.object;
      body.fCnt = fCnt;
      return (await t.sendChirpstack(body)).body;
    };
    assert.equal((await put('function decodeUplink(input) { while (true) {} }')).status, 204);
    assert.equal((await send(1)).reason, 'decoder_timeout');
    await put('function decodeUplink(input) { return { data: { distance_mm: [1, 2] } }; }');
    assert.equal((await send(2)).reason, 'invalid_values');
    await put('function decodeUplink(input) { return 17; }');
    assert.equal((await send(3)).reason, 'decoder_invalid_output');
    await put('function decodeUplink(input) { var a = []; for (;;) a.push(new Array(1e6).fill(0)); }');
    assert.match((await send(4)).reason ?? '', /^decoder_(memory|timeout)$/, 'contained either way');

    assert.equal((await t.staff.delete(`${t.base}/device-decoders/container-fill`)).status, 204);
    assert.equal((await send(5)).status, 'stored', 'back to the shipped decoder');
  });

  test('staff release an entry after fixing the cause, or discard it; both are audited', async () => {
    const t = await setup();
    const devEui = newEui();
    const first = await t.sendTts(ttsUplink(devEui));
    assert.equal(first.body.reason, 'unknown_device');
    const [entry] = await t.quarantine();
    assert.ok(entry);

    const early = await t.staff.post<{ error: { code: string } }>(
      `${t.base}/sensor-quarantine/${entry.id}/release`,
    );
    assert.equal(early.status, 409, 'the device is still unknown');

    const device = await t.device('water-level', { mountingHeightCm: 400 }, devEui);
    const released = await t.staff.post<{ status: string }>(
      `${t.base}/sensor-quarantine/${entry.id}/release`,
    );
    assert.equal(released.status, 200, released.text);
    assert.equal(released.body.status, 'stored');
    assert.equal((await t.values(device.datastreams.water_level_cm!)).length, 1);
    assert.equal((await t.staff.post(`${t.base}/sensor-quarantine/${entry.id}/release`)).status, 409);

    const odd = await t.sendTts(ttsUplink(devEui, { fCnt: 5000, decoded: { water_level_cm: 99_999 } }));
    assert.equal(odd.body.reason, 'out_of_range');
    const oddEntry = (await t.quarantine(device.id)).find((e) => e.status === 'open')!;
    assert.equal((await t.staff.post(`${t.base}/sensor-quarantine/${oddEntry.id}/discard`)).status, 204);
    const statuses = (await t.quarantine()).map((e) => e.status).sort();
    assert.deepEqual(statuses, ['discarded', 'released']);
    assert.equal((await t.values(device.datastreams.water_level_cm!)).length, 1);

    const audit = await server.ctx.audit.list({ municipalityIds: [t.municipality.id], limit: 50 });
    const actions = audit.map((a) => a.action);
    assert.ok(actions.includes('sensor_quarantine.released'));
    assert.ok(actions.includes('sensor_quarantine.discarded'));
  });
});

describe('device registry', () => {
  test('register, list with health, update, disable; another municipality sees nothing', async () => {
    const t = await setup();
    const eui = newEui();
    const res = await t.staff.post<
      DeviceBody & { mounting: Record<string, number>; status: string; thingId: number }
    >(`${t.base}/devices`, {
      devEui: eui.match(/../g)!.join('-').toLowerCase(),
      name: 'Wetterstation Rathaus',
      profile: 'weather-station',
      integrationId: t.tts.id,
      location: { latitude: 50.42, longitude: 9.57 },
      publish: true,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.devEui, eui, 'normalised to upper-case hex');
    assert.deepEqual(Object.keys(res.body.datastreams).sort(), [
      'humidity_pct',
      'rain_mm',
      'temperature_c',
      'wind_ms',
    ]);
    for (const id of Object.values(res.body.datastreams))
      assert.ok(await server.ctx.publications.isPublished('datastream', String(id)));

    const duplicate = await t.staff.post(`${t.base}/devices`, {
      devEui: eui,
      name: 'Noch eine',
      profile: 'weather-station',
      location: { latitude: 50, longitude: 9 },
    });
    assert.equal(duplicate.status, 409);
    const noMounting = await t.staff.post(`${t.base}/devices`, {
      devEui: newEui(),
      name: 'Pegel ohne Höhe',
      profile: 'water-level',
      location: { latitude: 50, longitude: 9 },
    });
    assert.equal(noMounting.status, 400);

    const list = await t.staff.get<{ devices: DeviceBody[] }>(`${t.base}/devices`);
    assert.deepEqual(
      list.body.devices.map((d) => d.devEui),
      [eui],
    );
    assert.equal(list.body.devices[0]!.health.lastSeenAt, null);

    const patched = await t.staff.patch<{ name: string }>(`${t.base}/devices/${res.body.id}`, {
      name: 'Wetter Rathaus',
    });
    assert.equal(patched.body.name, 'Wetter Rathaus');
    const disabled = await t.staff.post<{ status: string }>(`${t.base}/devices/${res.body.id}/disable`);
    assert.equal(disabled.body.status, 'disabled');
    const bytes = [0x0d, 0x48, 0x01, 0x2c, 0x96, 0x00, 0x00, 0x01, 0x90];
    const late = await t.sendTts(ttsUplink(eui, { decoded: null, bytes }));
    assert.equal(late.body.reason, 'device_disabled');

    const other = await setup();
    assert.equal((await other.staff.get(`${t.base}/devices`)).status, 403);
    assert.equal((await other.staff.get(`${other.base}/devices/${res.body.id}`)).status, 404);
    const foreign = await other.sendTts(ttsUplink(eui));
    assert.equal(
      foreign.body.reason,
      'unknown_device',
      "another municipality's integration cannot feed the device",
    );

    const audit = await server.ctx.audit.list({ municipalityIds: [t.municipality.id], limit: 50 });
    for (const action of [
      'device.created',
      'device.updated',
      'device.disabled',
      'lorawan_integration.created',
    ])
      assert.ok(
        audit.some((a) => a.action === action),
        action,
      );
  });
});
