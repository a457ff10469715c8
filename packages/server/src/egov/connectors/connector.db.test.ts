import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { AuditRepository } from '../../core/audit/audit.repository.js';
import { AuditService, systemActor } from '../../core/audit/audit.service.js';
import { LocalFileStorage } from '../../core/files/index.js';
import { JobQueue, JobWorker } from '../../core/jobs/index.js';
import { signWebhook } from '../../core/notifications/webhook-signature.js';
import {
  startConnectorTestReceiver,
  type ConnectorTestReceiver,
} from '../../test-support/connector-test-receiver.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { waitFor } from '../../test-support/wait.js';
import { parseStatusUpdate } from './connector.routes.js';
import { ConnectorService, registerConnectorJobs } from './connector.service.js';
import type { DeliveryStatusChanged, Submission } from './connector.types.js';
import { signFitConnectCallback } from './fit-connect.connector.js';

const handle = await testDatabase();
const db = handle.db;
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-connectors-'));
const files = new LocalFileStorage(path.join(dataDir, 'files'));
const jobs = new JobQueue(db);
const connectors = new ConnectorService(db, jobs, files, new AuditService(new AuditRepository(db)));
const worker = new JobWorker({
  queue: jobs,
  pollIntervalMs: 20,
  maintenanceIntervalMs: 50,
  unknownJobs: false,
});
registerConnectorJobs(worker, connectors, { baseMs: 20, capMs: 60 });
const events: DeliveryStatusChanged[] = [];
connectors.events.on('deliveryStatusChanged', (event) => events.push(event));
const WEBHOOK_SECRET = 'webhook-secret-of-the-fachverfahren';
let receiver: ConnectorTestReceiver;
const actor = systemActor('test');

before(async () => {
  receiver = await startConnectorTestReceiver({ webhookSecret: WEBHOOK_SECRET });
  worker.start();
});
after(async () => {
  await worker.stop();
  await receiver.close();
  await handle.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const SERVICE = 'urn:de:fim:leika:leistung:99050012104000';
const CALLBACK_SECRET = 'callback-secret-0123456789';

async function fitConnectTenant() {
  const { municipality } = await createTestTenant(db);
  const destination = await connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: SERVICE,
      kind: 'fit-connect',
      name: 'Standesamt-Software',
      enabled: true,
      settings: {
        submissionApiUrl: receiver.url,
        destinationId: receiver.destinationId,
        encryptionKey: receiver.publicKey,
        callbackSecret: CALLBACK_SECRET,
      },
    },
    actor,
  );
  return { municipality, destination };
}

async function submissionWithAttachment(municipalityId: string, reference: string): Promise<Submission> {
  const fileKey = `m/${municipalityId}/egov/test/${reference}.pdf`;
  await files.put(fileKey, Readable.from([Buffer.from(`%PDF-1.4 Nachweis ${reference}`)]));
  return {
    reference,
    serviceIdentifier: SERVICE,
    serviceName: 'Personenstandsurkunde beantragen',
    data: { urkunde: 'Geburtsurkunde', name: 'Erika Mustermann', anzahl: 2 },
    attachments: [{ fileKey, filename: 'ausweis.pdf', mediaType: 'application/pdf' }],
  };
}

const deliveryStatus = (municipalityId: string, id: string, status: string) =>
  waitFor(`delivery ${id} to be ${status}`, async () => {
    const delivery = await connectors.getDelivery(municipalityId, id);
    return delivery.status === status ? delivery : undefined;
  });

function fitConnectCallback(
  body: string,
  secret = CALLBACK_SECRET,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'callback-authentication': signFitConnectCallback(secret, String(timestamp), body),
    'callback-timestamp': String(timestamp),
  };
}

void test('FIT-Connect: data and attachment arrive encrypted, the receiver decrypts them and the hashes match', async () => {
  const { municipality, destination } = await fitConnectTenant();
  const submission = await submissionWithAttachment(municipality.id, 'FL-2026-0001');
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: SERVICE,
      sourceType: 'egov_case',
      sourceId: 'case-1',
      submission,
    },
    actor,
  );
  assert.equal(queued.status, 'queued');
  const delivered = await deliveryStatus(municipality.id, queued.id, 'delivered');

  const received = receiver.submissions.find((s) => s.submissionId === delivered.remote_id);
  assert.ok(received, 'the receiver has the submission under the remote id');
  assert.deepEqual(received.problems, []);
  assert.equal(received.verified, true);
  assert.deepEqual(received.data, submission.data);
  assert.equal(received.serviceType.identifier, SERVICE);
  assert.equal(received.attachments.length, 1);
  assert.equal(received.attachments[0]!.content.toString(), '%PDF-1.4 Nachweis FL-2026-0001');
  assert.equal(received.attachments[0]!.filename, 'ausweis.pdf');

  // The specialised software accepts: the callback is verified and the case hears about it once.
  const body = JSON.stringify({ submissionId: delivered.remote_id, event: 'accept-submission' });
  const accepted = await connectors.receiveStatus(
    destination.id,
    body,
    fitConnectCallback(body),
    parseStatusUpdate,
  );
  assert.equal(accepted.status, 'accepted');
  await connectors.receiveStatus(destination.id, body, fitConnectCallback(body), parseStatusUpdate);
  const mine = events.filter((e) => e.deliveryId === queued.id).map((e) => e.status);
  assert.deepEqual(mine, ['delivered', 'accepted']);
  assert.equal(events.find((e) => e.status === 'accepted')?.sourceId, 'case-1');
});

void test('FIT-Connect callbacks with a wrong secret, a changed body or an old timestamp are refused', async () => {
  const { municipality, destination } = await fitConnectTenant();
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: SERVICE,
      sourceType: 'egov_case',
      sourceId: 'case-2',
      submission: { ...(await submissionWithAttachment(municipality.id, 'FL-2')), attachments: [] },
    },
    actor,
  );
  const delivered = await deliveryStatus(municipality.id, queued.id, 'delivered');
  const body = JSON.stringify({ submissionId: delivered.remote_id, event: 'reject-submission' });
  const refusals = [
    fitConnectCallback(body, 'not-the-callback-secret'),
    fitConnectCallback(body.replace('reject', 'accept')),
    fitConnectCallback(body, CALLBACK_SECRET, Math.floor(Date.now() / 1000) - 600),
    { 'callback-timestamp': String(Math.floor(Date.now() / 1000)) },
  ];
  for (const headers of refusals) {
    await assert.rejects(
      connectors.receiveStatus(destination.id, body, headers, parseStatusUpdate),
      (error: { code?: string }) => error.code === 'unauthenticated',
    );
  }
  assert.equal((await connectors.getDelivery(municipality.id, queued.id)).status, 'delivered');
  const rejected = await connectors.receiveStatus(
    destination.id,
    body,
    fitConnectCallback(body),
    parseStatusUpdate,
  );
  assert.equal(rejected.status, 'rejected');
});

void test('a receiver that is down gets the submission once it is back, exactly once', async () => {
  const { municipality } = await fitConnectTenant();
  receiver.down = true;
  const refusedBefore = receiver.refused;
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: SERVICE,
      sourceType: 'egov_case',
      sourceId: 'case-3',
      submission: await submissionWithAttachment(municipality.id, 'FL-3'),
    },
    actor,
  );
  try {
    await waitFor('three refused attempts', () =>
      Promise.resolve(receiver.refused >= refusedBefore + 3 ? true : undefined),
    );
    const waiting = await connectors.getDelivery(municipality.id, queued.id);
    assert.equal(waiting.status, 'queued', 'still waiting, not lost');
    assert.ok(waiting.attempts >= 2);
    assert.match(waiting.last_error ?? '', /503/);
  } finally {
    receiver.down = false;
  }
  const delivered = await deliveryStatus(municipality.id, queued.id, 'delivered');
  assert.equal(receiver.submissions.filter((s) => s.submissionId === delivered.remote_id).length, 1);
  assert.equal(receiver.submissions.find((s) => s.submissionId === delivered.remote_id)?.verified, true);
});

const XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:srp:test:hundesteuer"
  xmlns="urn:srp:test:hundesteuer" elementFormDefault="qualified">
  <xs:element name="anmeldung">
    <xs:complexType><xs:sequence>
      <xs:element name="aktenzeichen" type="xs:string"/>
      <xs:element name="halter" type="xs:string"/>
      <xs:element name="anzahlHunde" type="xs:positiveInteger"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>`;

void test('XML: an invalid document goes to the dead letters at once; fixed and sent again, it arrives signed', async () => {
  const { municipality } = await createTestTenant(db);
  const settings = (template: string) => ({
    url: `${receiver.url}/hook`,
    secret: WEBHOOK_SECRET,
    xsd: XSD,
    template,
  });
  const broken = `<anmeldung xmlns="urn:srp:test:hundesteuer"><aktenzeichen>{{reference}}</aktenzeichen><halter>{{data.name}}</halter></anmeldung>`;
  await connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: 'hundesteuer',
      kind: 'xml',
      name: 'Steueramt',
      enabled: true,
      settings: settings(broken),
    },
    actor,
  );
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: 'hundesteuer',
      sourceType: 'egov_case',
      sourceId: 'case-4',
      submission: {
        reference: 'FL-4',
        serviceIdentifier: 'hundesteuer',
        serviceName: 'Anmeldung eines Hundes',
        data: { name: 'Max <Müller> & Söhne', hunde: 2 },
        attachments: [],
      },
    },
    actor,
  );
  const failed = await deliveryStatus(municipality.id, queued.id, 'failed');
  assert.equal(failed.attempts, 1, 'a refusal is not retried');
  assert.match(failed.last_error ?? '', /XSD/);
  const deadLetters = await connectors.listDeliveries({
    municipalityIds: [municipality.id],
    statuses: ['failed'],
    limit: 10,
  });
  assert.deepEqual(
    deadLetters.map((d) => d.id),
    [queued.id],
  );

  const fixed = broken.replace('</halter>', '</halter><anzahlHunde>{{data.hunde}}</anzahlHunde>');
  await connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: 'hundesteuer',
      kind: 'xml',
      name: 'Steueramt',
      enabled: true,
      settings: settings(fixed),
    },
    actor,
  );
  await connectors.redeliver(municipality.id, queued.id, actor);
  await deliveryStatus(municipality.id, queued.id, 'delivered');
  const post = receiver.posts.find((p) => p.deliveryId === queued.id);
  assert.ok(post);
  assert.equal(post.signatureValid, true);
  assert.equal(post.contentType, 'application/xml');
  assert.match(post.body, /<halter>Max &lt;Müller&gt; &amp; Söhne<\/halter>/);
  assert.match(post.body, /<anzahlHunde>2<\/anzahlHunde>/);
  await assert.rejects(connectors.redeliver(municipality.id, queued.id, actor), { code: 'conflict' });

  // Status from the Fachverfahren through the generic signed callback.
  const body = JSON.stringify({ remoteId: queued.id, status: 'in_progress', message: 'Bescheid in Arbeit' });
  const destination = (await connectors.listDestinations(municipality.id))[0]!;
  const updated = await connectors.receiveStatus(
    destination.id,
    body,
    { 'x-srp-signature': signWebhook(WEBHOOK_SECRET, body) },
    parseStatusUpdate,
  );
  assert.equal(updated.remote_status, 'in_progress');
  assert.equal(updated.status, 'delivered');
  await assert.rejects(
    connectors.receiveStatus(
      destination.id,
      body,
      { 'x-srp-signature': signWebhook('wrong', body) },
      parseStatusUpdate,
    ),
    { code: 'unauthenticated' },
  );
});

void test('JSON webhook: signed body with data, hashes and attachments', async () => {
  const { municipality } = await createTestTenant(db);
  await connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: 'meldebescheinigung',
      kind: 'webhook',
      name: 'Meldewesen',
      enabled: true,
      settings: { url: `${receiver.url}/hook`, secret: WEBHOOK_SECRET },
    },
    actor,
  );
  const submission = await submissionWithAttachment(municipality.id, 'FL-5');
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: 'meldebescheinigung',
      sourceType: 'egov_case',
      sourceId: 'case-5',
      submission,
    },
    actor,
  );
  await deliveryStatus(municipality.id, queued.id, 'delivered');
  const post = receiver.posts.find((p) => p.deliveryId === queued.id)!;
  assert.equal(post.signatureValid, true);
  const body = JSON.parse(post.body) as {
    reference: string;
    data: unknown;
    attachments: { content: string }[];
  };
  assert.equal(body.reference, 'FL-5');
  assert.deepEqual(body.data, submission.data);
  assert.equal(Buffer.from(body.attachments[0]!.content, 'base64').toString(), '%PDF-1.4 Nachweis FL-5');
});

void test('tenancy and settings: foreign deliveries, foreign files and unusable settings are refused', async () => {
  const { municipality, destination } = await fitConnectTenant();
  const other = await createTestTenant(db);
  const queued = await connectors.deliver(
    {
      municipalityId: municipality.id,
      serviceKey: SERVICE,
      sourceType: 'egov_case',
      sourceId: 'case-6',
      submission: { ...(await submissionWithAttachment(municipality.id, 'FL-6')), attachments: [] },
    },
    actor,
  );
  await assert.rejects(connectors.getDelivery(other.municipality.id, queued.id), { code: 'not_found' });
  await assert.rejects(connectors.redeliver(other.municipality.id, queued.id, actor), { code: 'not_found' });
  const foreignFile = await submissionWithAttachment(other.municipality.id, 'FL-7');
  await assert.rejects(
    connectors.deliver(
      {
        municipalityId: municipality.id,
        serviceKey: SERVICE,
        sourceType: 'egov_case',
        sourceId: 'x',
        submission: foreignFile,
      },
      actor,
    ),
    { code: 'validation_failed' },
  );
  await assert.rejects(
    connectors.deliver(
      {
        municipalityId: other.municipality.id,
        serviceKey: SERVICE,
        sourceType: 'egov_case',
        sourceId: 'x',
        submission: foreignFile,
      },
      actor,
    ),
    { code: 'not_found' },
  );
  await assert.rejects(
    connectors.saveDestination(
      {
        municipalityId: municipality.id,
        serviceKey: SERVICE,
        kind: 'fit-connect',
        name: 'x',
        enabled: true,
        settings: {
          ...destination.settings,
          encryptionKey: { kty: 'RSA', n: 'abc', e: 'AQAB', d: 'secret' },
        },
      },
      actor,
    ),
    { code: 'validation_failed' },
  );
});
