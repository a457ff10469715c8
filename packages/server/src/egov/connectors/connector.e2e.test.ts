import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  startConnectorTestReceiver,
  type ConnectorTestReceiver,
} from '../../test-support/connector-test-receiver.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  grantTestRole,
  TEST_PASSWORD,
} from '../../test-support/factories.js';
import { loggedInClient, TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import type { DeliveryStatusChanged } from './connector.types.js';
import { signFitConnectCallback } from './fit-connect.connector.js';

let server: TestServer;
let receiver: ConnectorTestReceiver;
const events: DeliveryStatusChanged[] = [];
before(async () => {
  receiver = await startConnectorTestReceiver();
  server = await startTestServer({ webDist: null });
  server.ctx.connectors.events.on('deliveryStatusChanged', (e) => events.push(e));
});
after(async () => {
  await server.close();
  await receiver.close();
});

const SERVICE = 'urn:de:fim:leika:leistung:99050012104000';
const CALLBACK_SECRET = 'e2e-callback-secret-0123456789';

interface DeliveryView {
  id: string;
  status: string;
  remoteId: string | null;
  remoteStatus: string | null;
  lastError: string | null;
}

/** Hands a submission of case `caseId` to the municipality's connector for the service (default: certificates). */
const queueDelivery = (
  client: TestClient,
  municipalityId: string,
  delivery: {
    caseId: string;
    reference: string;
    data: Record<string, unknown>;
    serviceKey?: string;
    serviceName?: string;
  },
) => {
  const serviceKey = delivery.serviceKey ?? SERVICE;
  return client.post<DeliveryView>(`/api/municipalities/${municipalityId}/egov/connector-deliveries`, {
    serviceKey,
    source: { type: 'egov_case', id: delivery.caseId },
    submission: {
      reference: delivery.reference,
      serviceIdentifier: serviceKey,
      serviceName: delivery.serviceName ?? 'Personenstandsurkunde beantragen',
      data: delivery.data,
      attachments: [],
    },
  });
};

/** The municipality's Standesamt destination: the local FIT-Connect receiver. */
const saveFitConnectDestination = (admin: TestClient, municipalityId: string) =>
  admin.request<{ id: string; settings: Record<string, unknown>; callbackPath: string }>(
    'PUT',
    `/api/municipalities/${municipalityId}/egov/connector-destinations`,
    {
      json: {
        serviceKey: SERVICE,
        kind: 'fit-connect',
        name: 'Standesamt',
        settings: {
          submissionApiUrl: receiver.url,
          destinationId: receiver.destinationId,
          encryptionKey: receiver.publicKey,
          callbackSecret: CALLBACK_SECRET,
        },
      },
    },
  );

test('admin sets the destination, a substitute caseworker queues, the receiver decrypts, the status returns', async () => {
  const { region, municipality: flieden } = await createTestTenant(server.ctx.db);
  const kalbach = await createTestMunicipality(server.ctx.db, region);
  const adminUser = await createTestUser(server.ctx.db, { home: flieden, roles: ['municipal_admin'] });
  const caseworkerUser = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });
  await grantTestRole(server.ctx.db, caseworkerUser, 'caseworker', flieden);
  const admin = await loggedInClient(server.url, adminUser.email, TEST_PASSWORD);
  const caseworker = await loggedInClient(server.url, caseworkerUser.email, TEST_PASSWORD);

  const saved = await saveFitConnectDestination(admin, flieden.id);
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.settings.callbackSecret, '••••••', 'secrets are never shown again');
  assert.equal(
    (await caseworker.get(`/api/municipalities/${flieden.id}/egov/connector-destinations`)).status,
    403,
  );

  const queued = await queueDelivery(caseworker, flieden.id, {
    caseId: 'case-e2e',
    reference: 'FL-E2E-1',
    data: { urkunde: 'Sterbeurkunde', anzahl: 1 },
  });
  assert.equal(queued.status, 202, queued.text);
  const delivered = await waitFor('the delivery', async () => {
    const list = await caseworker.get<{ deliveries: DeliveryView[] }>(
      `/api/egov/connector-deliveries?sourceType=egov_case&sourceId=case-e2e`,
    );
    const found = list.body.deliveries.find((d) => d.id === queued.body.id);
    return found?.status === 'delivered' ? found : undefined;
  });
  const received = receiver.submissions.find((s) => s.submissionId === delivered.remoteId);
  assert.equal(received?.verified, true);
  assert.deepEqual(received.data, { urkunde: 'Sterbeurkunde', anzahl: 1 });

  // The specialised software reports back through the callback, signed as FIT-Connect specifies.
  const anonymous = new TestClient(server.url);
  const body = JSON.stringify({ submissionId: delivered.remoteId, event: 'accept-submission' });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const callback = (authentication: string) =>
    anonymous.request<{ status: string }>('POST', saved.body.callbackPath, {
      body,
      headers: {
        'content-type': 'application/json',
        'callback-authentication': authentication,
        'callback-timestamp': timestamp,
      },
    });
  assert.equal((await callback(signFitConnectCallback('wrong-secret', timestamp, body))).status, 401);
  const accepted = await callback(signFitConnectCallback(CALLBACK_SECRET, timestamp, body));
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(accepted.body.status, 'accepted');
  assert.deepEqual(
    events.filter((e) => e.sourceId === 'case-e2e').map((e) => e.status),
    ['delivered', 'accepted'],
  );
});

test('the dead-letter list and redelivery by hand, only for the municipalities one works for', async () => {
  const { municipality } = await createTestTenant(server.ctx.db);
  const other = await createTestTenant(server.ctx.db);
  const admin = await loggedInClient(
    server.url,
    (await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] })).email,
    TEST_PASSWORD,
  );
  const stranger = await loggedInClient(
    server.url,
    (await createTestUser(server.ctx.db, { home: other.municipality, roles: ['municipal_admin'] })).email,
    TEST_PASSWORD,
  );
  const destination = (enabled: boolean) =>
    admin.request('PUT', `/api/municipalities/${municipality.id}/egov/connector-destinations`, {
      json: {
        serviceKey: 'hundesteuer',
        kind: 'webhook',
        name: 'Steueramt',
        enabled,
        settings: { url: `${receiver.url}/hook`, secret: 'a-webhook-secret-0123456789' },
      },
    });
  assert.equal((await destination(true)).status, 200);
  const queued = await queueDelivery(admin, municipality.id, {
    caseId: 'case-dead',
    reference: 'X-1',
    data: {},
    serviceKey: 'hundesteuer',
    serviceName: 'Hund',
  });
  // Disabled before the worker got to it, or right after: either way redelivery must work afterwards.
  await destination(false);
  await server.ctx.db
    .updateTable('connector_deliveries')
    .set({ status: 'failed', last_error: 'the destination is disabled' })
    .where('id', '=', queued.body.id)
    .where('status', '=', 'delivered')
    .execute();
  const dead = await waitFor('the dead letter', async () => {
    const list = await admin.get<{ deliveries: DeliveryView[] }>(
      `/api/egov/connector-deliveries?municipalityId=${municipality.id}&status=failed`,
    );
    return list.body.deliveries.find((d) => d.id === queued.body.id);
  });
  assert.match(dead.lastError ?? '', /disabled/);
  const foreignList = await stranger.get<{ deliveries: DeliveryView[] }>(
    `/api/egov/connector-deliveries?municipalityId=${municipality.id}&status=failed`,
  );
  assert.deepEqual(foreignList.body.deliveries, []);
  const redeliverPath = `/api/municipalities/${municipality.id}/egov/connector-deliveries/${queued.body.id}/redeliver`;
  assert.equal((await stranger.post(redeliverPath)).status, 404);
  assert.equal(
    (
      await stranger.request('PUT', `/api/municipalities/${municipality.id}/egov/connector-destinations`, {
        json: {},
      })
    ).status,
    400,
  );

  await destination(true);
  const again = await admin.post<DeliveryView>(redeliverPath);
  assert.equal(again.status, 202, again.text);
  await waitFor('the redelivery', async () => {
    const list = await admin.get<{ deliveries: DeliveryView[] }>(
      `/api/egov/connector-deliveries?sourceId=case-dead`,
    );
    return list.body.deliveries[0]?.status === 'delivered' ? true : undefined;
  });
  assert.ok(receiver.posts.some((p) => p.deliveryId === queued.body.id));
});

test('a FIT-Connect delivery rejected in the callback is sent again by hand as a new submission, once', async () => {
  const { municipality: flieden } = await createTestTenant(server.ctx.db);
  const adminUser = await createTestUser(server.ctx.db, { home: flieden, roles: ['municipal_admin'] });
  const admin = await loggedInClient(server.url, adminUser.email, TEST_PASSWORD);
  const saved = await saveFitConnectDestination(admin, flieden.id);
  assert.equal(saved.status, 200, saved.text);
  const queued = await queueDelivery(admin, flieden.id, {
    caseId: 'case-rejected',
    reference: 'FL-E2E-REJ',
    data: { urkunde: 'Geburtsurkunde' },
  });
  assert.equal(queued.status, 202, queued.text);
  const deliveredAs = async (notRemoteId: string | null) =>
    waitFor('the delivery', async () => {
      const found = (
        await admin.get<{ deliveries: DeliveryView[] }>(
          `/api/egov/connector-deliveries?sourceType=egov_case&sourceId=case-rejected`,
        )
      ).body.deliveries[0];
      return found?.status === 'delivered' && found.remoteId !== notRemoteId ? found : undefined;
    });
  const first = await deliveredAs(null);
  const anonymous = new TestClient(server.url);
  const callback = (submissionId: string | null, event: string) => {
    const body = JSON.stringify({ submissionId, event, reason: 'Geburtsort fehlt' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    return anonymous.request<{ status: string }>('POST', saved.body.callbackPath, {
      body,
      headers: {
        'content-type': 'application/json',
        'callback-authentication': signFitConnectCallback(CALLBACK_SECRET, timestamp, body),
        'callback-timestamp': timestamp,
      },
    });
  };
  const rejected = await callback(first.remoteId, 'reject-submission');
  assert.equal(rejected.body.status, 'rejected');

  const redeliverPath = `/api/municipalities/${flieden.id}/egov/connector-deliveries/${queued.body.id}/redeliver`;
  const again = await admin.post<DeliveryView>(redeliverPath);
  assert.equal(again.status, 202, again.text);
  assert.equal(again.body.status, 'queued');
  assert.equal((await admin.post(redeliverPath)).status, 409, 'a second click sends nothing more');
  const second = await deliveredAs(first.remoteId);
  assert.notEqual(second.remoteId, first.remoteId, 'the receiver got a new submission');
  const submissions = receiver.submissions.filter(
    (s) => s.submissionId === first.remoteId || s.submissionId === second.remoteId,
  );
  assert.equal(submissions.length, 2);
  assert.ok(submissions.every((s) => s.verified));

  // The first submission's rejection, repeated late, is acknowledged and changes nothing.
  assert.equal((await callback(first.remoteId, 'reject-submission')).body.status, 'delivered');
  assert.equal((await callback(second.remoteId, 'accept-submission')).body.status, 'accepted');
  assert.deepEqual(
    events.filter((e) => e.sourceId === 'case-rejected').map((e) => [e.status, e.round]),
    [
      ['delivered', 1],
      ['rejected', 1],
      ['queued', 2],
      ['delivered', 2],
      ['accepted', 2],
    ],
  );
});
