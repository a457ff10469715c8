// Done-when of the rules issue: observations through SensorThings and through a LoRaWAN uplink cross a
// threshold; the alert, the task, the e-mail (local SMTP), the signed webhook and the public warning
// appear; "done" in the work list and falling values resolve the alert.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  type WebhookEnvelope,
} from '../core/notifications/index.js';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../test-support/factories.js';
import { TestClient } from '../test-support/http.js';
import { startMailbox, type Mailbox } from '../test-support/mailbox.js';
import { startPushService, type PushService } from '../test-support/push-service.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { waitFor } from '../test-support/wait.js';
import { sample } from '../sensors/ingestion/test-samples.js';
import { systemActor } from '../core/audit/audit.service.js';
import { contains, rectangle, type Boundary } from '../participation/geo.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: TestServer;
let mailbox: Mailbox;
let pushService: PushService;
let receiver: http.Server;
let receiverUrl: string;
const hooks: Received[] = [];

before(async () => {
  mailbox = await startMailbox();
  pushService = await startPushService();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hooks.push(entry);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startTestServer({
    webDist: null,
    env: { SMTP_URL: mailbox.url },
    webPushAgent: pushService.agent,
  });
});
after(async () => {
  await server.close();
  await mailbox.close();
  await pushService.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const newEui = () => randomBytes(8).toString('hex').toUpperCase();

interface AlertBody {
  id: string;
  status: string;
  value: number | null;
  resolution: string | null;
  taskId: string | null;
  reopenCount: number;
  title: string;
}

async function setup() {
  const { municipality } = await createTestTenant(server.ctx.db);
  const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const staff = new TestClient(server.url);
  assert.equal((await staff.login(admin.email, TEST_PASSWORD)).status, 200);
  const base = `/api/municipalities/${municipality.id}`;
  const integration = await staff.post<{ secret: string }>(`${base}/lorawan-integrations`, {
    name: 'TTS',
    networkServer: 'tts',
  });
  assert.equal(integration.status, 201, integration.text);
  /** A LoRaWAN water-level gauge mounted 400 cm above the river bed. */
  const addGauge = async (name: string, latitude: number, longitude: number) => {
    const res = await staff.post<{ devEui: string; datastreams: Record<string, number> }>(`${base}/devices`, {
      devEui: newEui(),
      name,
      profile: 'water-level',
      mounting: { mountingHeightCm: 400 },
      location: { latitude, longitude },
    });
    assert.equal(res.status, 201, res.text);
    assert.ok(res.body.datastreams.water_level_cm);
    return { devEui: res.body.devEui, datastreamId: res.body.datastreams.water_level_cm };
  };
  const device = await addGauge('Pegel Test', 50.42, 9.57);
  const datastreamId = device.datastreamId;
  let fCnt = 1;
  /** A TTS uplink with the water level in cm (mounting 400 cm: distance = 400 - level). */
  const uplink = async (levelCm: number, at = new Date()) => {
    const body = structuredClone(sample('tts-v3-uplink-water-level.json')) as {
      end_device_ids: { dev_eui: string };
      correlation_ids: string[];
      received_at: string;
      uplink_message: Record<string, unknown> & { rx_metadata: { time: string }[] };
    };
    body.end_device_ids.dev_eui = device.devEui;
    body.correlation_ids = [`as:up:${randomUUID()}`];
    const distance = (400 - levelCm) * 10;
    body.uplink_message.frm_payload = Buffer.from([0x0c, 0xe4, distance >> 8, distance & 0xff]).toString(
      'base64',
    );
    delete body.uplink_message.decoded_payload;
    body.uplink_message.f_cnt = fCnt++;
    body.received_at = at.toISOString();
    body.uplink_message.received_at = at.toISOString();
    body.uplink_message.rx_metadata[0]!.time = at.toISOString();
    const res = await new TestClient(server.url).request<{ status: string }>(
      'POST',
      '/integrations/tts/uplink',
      {
        json: body,
        headers: { 'x-srp-integration-secret': integration.body.secret },
      },
    );
    assert.ok(res.status < 300, res.text);
    await server.ctx.rules.engine.idle();
  };
  /** An observation through the SensorThings API. */
  const sta = async (result: number, at = new Date()) => {
    const res = await staff.post('/sta/v1.1/Observations', {
      Datastream: { '@iot.id': datastreamId },
      phenomenonTime: at.toISOString(),
      result,
    });
    assert.equal(res.status, 201, res.text);
    await server.ctx.rules.engine.idle();
  };
  const alerts = async (status = 'open&status=acknowledged&status=resolved') =>
    (
      await staff.get<{ alerts: AlertBody[] }>(
        `/api/alerts?municipalityId=${municipality.id}&status=${status}`,
      )
    ).body.alerts;
  return { municipality, staff, base, datastreamId, uplink, sta, alerts, admin, addGauge };
}

describe('a threshold rule on a river gauge', () => {
  test('STA and LoRaWAN values open an alert with task, mail, webhook and warning; falling values resolve it', async () => {
    const t = await setup();
    const secret = 'webhook-secret-0123456789';
    const recipient = `bauhof-${randomUUID().slice(0, 6)}@test.example`;
    const rule = await t.staff.post<{ id: string }>(`${t.base}/rules`, {
      name: 'Pegel hoch',
      enabled: true,
      severity: 'severe',
      condition: {
        type: 'threshold',
        datastreamIds: [t.datastreamId],
        operator: '>',
        value: 300,
        hysteresis: 20,
      },
      actions: {
        task: { title: 'Pegel prüfen', priority: 'high' },
        email: [recipient],
        webhook: { url: `${receiverUrl}/hook`, secret },
        warning: { level: 'severe', title: 'Hochwasser an der Fliede', text: 'Bitte Ufer meiden.' },
      },
    });
    assert.equal(rule.status, 201, rule.text);

    await t.uplink(250);
    assert.equal((await t.alerts()).length, 0, 'below the threshold nothing happens');

    await t.sta(320);
    const [alert] = await t.alerts();
    assert.ok(alert);
    assert.equal(alert.status, 'open');
    assert.equal(alert.value, 320);
    assert.ok(alert.taskId, 'a measure was created');

    const task = await t.staff.get<{
      task: { title: string; location: { latitude: number } | null; source: { type: string; id: string } };
    }>(`/api/work/tasks/${alert.taskId}`);
    assert.equal(task.body.task.title, 'Pegel prüfen');
    assert.equal(task.body.task.source.id, alert.id);
    assert.equal(task.body.task.location?.latitude, 50.42);

    const mail = await mailbox.nextMailTo(recipient);
    assert.match(mail.subject, /Alarm: Pegel hoch/);
    assert.match(mail.text, /320 cm/);

    const hook = await waitFor('the webhook', async () =>
      hooks.find((h) => h.body.includes(alert.id) && h.body.includes('alert.opened')),
    );
    assert.ok(
      verifyWebhookSignature(secret, hook.headers[SIGNATURE_HEADER.toLowerCase()] as string, hook.body),
    );
    assert.equal((JSON.parse(hook.body) as WebhookEnvelope).event, 'alert.opened');

    const anonymous = new TestClient(server.url);
    const warnings = await anonymous.get<{
      warnings: {
        title: string;
        level: string;
        municipalityName: string;
        area: Boundary | null;
        areaDescription: string | null;
        validFrom: string;
      }[];
    }>(`/api/public/warnings?municipality=${t.municipality.id}`);
    assert.equal(warnings.status, 200);
    assert.equal(warnings.headers.get('cache-control'), 'public, max-age=15');
    assert.deepEqual(
      warnings.body.warnings.map((w) => [w.title, w.level]),
      [['Hochwasser an der Fliede', 'severe']],
    );
    // Without a polygon of its own the warning covers a circle around the gauge's Thing.
    const [published] = warnings.body.warnings;
    assert.equal(published!.area?.type, 'Polygon');
    assert.ok(contains(published!.area, 50.42, 9.57), 'the gauge lies inside the warned area');
    assert.ok(!contains(published!.area, 50.43, 9.57), '1 km away is outside the default 500 m');
    assert.equal(published!.areaDescription, 'Pegel Test');
    assert.ok(Date.parse(published!.validFrom) <= Date.now());
    const again = await anonymous.get(`/api/public/warnings?municipality=${t.municipality.id}`, {
      'if-none-match': warnings.headers.get('etag')!,
    });
    assert.equal(again.status, 304);

    // Still high through the LoRaWAN path: the same alert, no second one, no second task.
    await t.uplink(330);
    await t.uplink(295); // inside the hysteresis band (300 - 20): still open
    assert.equal((await t.alerts()).length, 1);
    assert.equal((await t.alerts())[0]!.status, 'open');

    await t.uplink(270); // clear
    const [resolved] = await t.alerts();
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.resolution, 'cleared');
    const cancelled = await t.staff.get<{ task: { status: string } }>(`/api/work/tasks/${alert.taskId}`);
    assert.equal(cancelled.body.task.status, 'cancelled');
    const after = await anonymous.get<{ warnings: unknown[] }>(
      `/api/public/warnings?municipality=${t.municipality.id}`,
    );
    assert.equal(after.body.warnings.length, 0, 'the warning ended with the alert');
    await waitFor('the resolution webhook', async () =>
      hooks.find((h) => h.body.includes(alert.id) && h.body.includes('alert.resolved')),
    );
    assert.match((await mailbox.nextMailTo(recipient)).subject, /Alarm erledigt/);

    // Flapping: back above within the damping time reopens the same alert.
    await t.sta(340);
    const flapped = await t.alerts();
    assert.equal(flapped.length, 1);
    assert.equal(flapped[0]!.status, 'open');
    assert.equal(flapped[0]!.reopenCount, 1);
  });

  test('"done" in the work list resolves the alert; acknowledge and comments are recorded', async () => {
    const t = await setup();
    await t.staff.post(`${t.base}/rules`, {
      name: 'Pegel',
      enabled: true,
      dampingMinutes: 0,
      condition: { type: 'threshold', datastreamIds: [t.datastreamId], operator: '>', value: 100 },
      actions: { task: { title: 'Nachsehen' } },
    });
    await t.sta(150);
    const [alert] = await t.alerts();
    assert.ok(alert?.taskId);
    const ack = await t.staff.post<AlertBody>(`/api/alerts/${alert.id}/acknowledge`);
    assert.equal(ack.body.status, 'acknowledged');
    assert.equal((await t.staff.post(`/api/alerts/${alert.id}/acknowledge`)).status, 409);
    assert.equal(
      (await t.staff.post(`/api/alerts/${alert.id}/comments`, { body: 'Bin unterwegs' })).status,
      201,
    );
    const done = await t.staff.post(`/api/work/tasks/${alert.taskId}/complete`, { note: 'erledigt' });
    assert.equal(done.status, 200, done.text);
    const resolved = await waitFor('the alert to resolve', async () => {
      const res = await t.staff.get<{ alert: AlertBody; comments: { body: string }[] }>(
        `/api/alerts/${alert.id}`,
      );
      return res.body.alert.status === 'resolved' ? res.body : undefined;
    });
    assert.equal(resolved.alert.resolution, 'task_done');
    assert.deepEqual(
      resolved.comments.map((c) => c.body),
      ['Bin unterwegs'],
    );
  });

  test('rate of change, history test, and another municipality cannot see the rules', async () => {
    const t = await setup();
    const start = Date.now() - 6 * 3600_000;
    // Rising 5 cm per 15 min (20 cm/h) for an hour, flat before and after.
    const levels = [100, 100, 100, 105, 110, 115, 120, 120, 120];
    for (const [i, level] of levels.entries()) await t.sta(level, new Date(start + i * 15 * 60_000));
    const test = await t.staff.post<{
      observations: number;
      alerts: { openedAt: string; resolvedAt: string | null }[];
    }>(`${t.base}/rule-tests`, {
      condition: { type: 'rate', datastreamIds: [t.datastreamId], operator: '>', perHour: 10 },
      from: new Date(start - 1000).toISOString(),
      to: new Date().toISOString(),
    });
    assert.equal(test.status, 200, test.text);
    assert.equal(test.body.observations, levels.length);
    assert.equal(test.body.alerts.length, 1);
    assert.equal(test.body.alerts[0]!.openedAt, new Date(start + 3 * 15 * 60_000).toISOString());
    assert.equal(test.body.alerts[0]!.resolvedAt, new Date(start + 7 * 15 * 60_000).toISOString());

    const other = await createTestTenant(server.ctx.db);
    const stranger = await createTestUser(server.ctx.db, {
      home: other.municipality,
      roles: ['municipal_admin'],
    });
    const foreign = new TestClient(server.url);
    await foreign.login(stranger.email, TEST_PASSWORD);
    assert.equal((await foreign.get(`${t.base}/rules`)).status, 403);
    const steal = await foreign.post(`/api/municipalities/${other.municipality.id}/rules`, {
      name: 'Fremd',
      condition: { type: 'threshold', datastreamIds: [t.datastreamId], operator: '>', value: 1 },
    });
    assert.equal(steal.status, 400, 'a Datastream of another municipality cannot be watched');
  });

  test('an AND of two gauges warns for the municipality boundary; a rule polygon replaces the default area', async () => {
    const t = await setup();
    const boundary = rectangle(50.3, 9.4, 50.5, 9.7);
    await server.ctx.participation.reports.setBoundary(t.municipality.id, boundary, systemActor());
    const tributary = (await t.addGauge('Pegel Zufluss', 50.41, 9.55)).datastreamId;
    const both = await t.staff.post<{ id: string }>(`${t.base}/rules`, {
      name: 'Beide Pegel hoch',
      enabled: true,
      condition: {
        type: 'all',
        conditions: [
          { type: 'threshold', datastreamIds: [t.datastreamId], operator: '>', value: 100 },
          { type: 'threshold', datastreamIds: [tributary], operator: '>', value: 100 },
        ],
      },
      actions: { warning: { level: 'moderate', title: 'Hochwasser im Ort', text: 'Keller sichern.' } },
    });
    assert.equal(both.status, 201, both.text);
    const warnings = async () =>
      (
        await new TestClient(server.url).get<{
          warnings: { title: string; area: Boundary | null; validUntil: string | null }[];
        }>(`/api/public/warnings?municipality=${t.municipality.id}`)
      ).body.warnings;

    await t.sta(150);
    assert.equal((await t.alerts()).length, 0, 'one gauge alone does not satisfy the AND');
    const res = await t.staff.post('/sta/v1.1/Observations', {
      Datastream: { '@iot.id': tributary },
      phenomenonTime: new Date().toISOString(),
      result: 140,
    });
    assert.equal(res.status, 201, res.text);
    await server.ctx.rules.engine.idle();
    const [alert] = await t.alerts();
    assert.equal(alert?.status, 'open');
    const [combined] = await warnings();
    assert.equal(combined?.title, 'Hochwasser im Ort');
    assert.deepEqual(combined.area, boundary, 'no single sensor: the municipality boundary');

    const street = rectangle(50.419, 9.569, 50.421, 9.571);
    const own = await t.staff.post(`${t.base}/rules`, {
      name: 'Pegel Marktstraße',
      enabled: true,
      condition: { type: 'threshold', datastreamIds: [t.datastreamId], operator: '>', value: 120 },
      actions: {
        warning: {
          level: 'minor',
          title: 'Marktstraße überflutet',
          text: 'Bitte umfahren.',
          area: street,
          validHours: 6,
        },
      },
    });
    assert.equal(own.status, 201, own.text);
    await t.sta(160);
    const market = (await warnings()).find((w) => w.title === 'Marktstraße überflutet');
    assert.deepEqual(market?.area, street);
    assert.ok(market.validUntil && Date.parse(market.validUntil) > Date.now() + 5 * 3600_000);
  });

  test('a silent sensor opens an alert through the job queue timer', async () => {
    const t = await setup();
    const rule = await t.staff.post<{ id: string }>(`${t.base}/rules`, {
      name: 'Sensor still',
      enabled: true,
      condition: { type: 'silent', datastreamIds: [t.datastreamId], minutes: 1 },
    });
    assert.equal(rule.status, 201, rule.text);
    // The timer is a job due a minute from now; run it as the worker would, after that minute.
    const job = await server.ctx.db
      .selectFrom('jobs')
      .select(['id', 'run_at', 'payload'])
      .where('name', '=', 'rules.silence-check')
      .where('municipality_id', '=', t.municipality.id)
      .executeTakeFirstOrThrow();
    assert.ok(job.run_at.getTime() > Date.now() + 30_000);
    await server.ctx.db
      .updateTable('rule_states')
      .set({
        state: JSON.stringify({
          leaves: { [`0:${t.datastreamId}`]: { active: false, lastTime: Date.now() - 120_000 } },
        }),
      })
      .where('rule_id', '=', rule.body.id)
      .execute();
    await server.ctx.db.updateTable('jobs').set({ run_at: new Date() }).where('id', '=', job.id).execute();
    const [alert] = await waitFor('the silence alert', async () => {
      const list = await t.alerts();
      return list.length > 0 ? list : undefined;
    });
    assert.equal(alert!.status, 'open');
    await t.sta(50);
    assert.equal((await t.alerts())[0]!.status, 'resolved', 'data again: no longer silent');
  });
});

describe('citizen subscriptions to public warnings', () => {
  test('e-mail with double opt-in and RFC 8058 one-click unsubscribe; Web Push to the browser', async () => {
    const t = await setup();
    const citizen = new TestClient(server.url);
    const email = `buerger-${randomUUID().slice(0, 6)}@test.example`;
    const sub = await citizen.post('/api/public/warning-subscriptions', {
      municipalityId: t.municipality.id,
      email,
    });
    assert.equal(sub.status, 202, sub.text);
    const confirmation = await mailbox.nextMailTo(email);
    const token = /bestaetigen=([A-Za-z0-9_-]+)/.exec(confirmation.text)?.[1];
    assert.ok(token, confirmation.text);
    assert.equal((await citizen.post('/api/public/warning-subscriptions/confirm', { token })).status, 200);

    const key = await citizen.get<{ publicKey: string }>('/api/public/webpush/key');
    assert.match(key.body.publicKey, /^[A-Za-z0-9_-]{80,}$/);
    // A browser subscription whose push service is a local HTTPS receiver that holds its private key.
    const subscription = pushService.subscribe();
    const push = await citizen.post('/api/public/warning-subscriptions/push', {
      municipalityId: t.municipality.id,
      subscription,
    });
    assert.equal(push.status, 201, push.text);

    const warning = await t.staff.post(`${t.base}/warnings`, {
      level: 'moderate',
      title: 'Glätte',
      text: 'Vorsicht auf den Straßen.',
    });
    assert.equal(warning.status, 201, warning.text);
    const told = await mailbox.nextMailTo(email);
    assert.match(told.subject, /Warnung: Glätte/);
    // web-push delivered it: VAPID-signed with the platform's key, encrypted for this browser only.
    const path = new URL(subscription.endpoint).pathname;
    const delivered = await waitFor('the push message', async () =>
      pushService.received.find((p) => p.path === path),
    );
    assert.deepEqual(pushService.rejected, []);
    assert.equal(delivered.vapidPublicKey, key.body.publicKey);
    assert.equal(delivered.claims.aud, pushService.url);
    assert.ok(delivered.claims.exp * 1000 > Date.now());
    assert.match(delivered.claims.sub, /^(mailto:|https?:)/);
    assert.ok(Number(delivered.ttl) > 0);
    const shown = JSON.parse(delivered.plaintext) as { title: string; body: string; url: string };
    assert.equal(shown.title, 'Glätte');
    assert.equal(shown.body, 'Vorsicht auf den Straßen.');
    assert.match(shown.url, /\/warnungen$/);

    // The mail program's one-click unsubscribe: a form POST to the List-Unsubscribe URL.
    const raw = server.ctx.db.selectFrom('jobs').select('payload').where('name', '=', 'notification.email');
    const sent = (await raw.execute()).map(
      (j) => j.payload as { message: { to: string[]; headers?: Record<string, string> } },
    );
    const headers = sent.find((p) => p.message.to.includes(email) && p.message.headers)?.message.headers;
    assert.equal(headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    const url = /^<(.+)>$/.exec(headers?.['List-Unsubscribe'] ?? '')?.[1];
    assert.ok(url?.includes('/api/public/warning-subscriptions/unsubscribe?token='));
    const link = new URL(url!);
    const oneClick = await citizen.request('POST', link.pathname + link.search, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(oneClick.status, 200, oneClick.text);
    const left = await server.ctx.db
      .selectFrom('warning_subscriptions')
      .select('channel')
      .where('municipality_id', '=', t.municipality.id)
      .execute();
    assert.deepEqual(
      left.map((s) => s.channel),
      ['webpush'],
    );
  });
});
