import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, test, type TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import type { Job, JobStatus } from '../db/schema.js';
import { JobQueue, JobWorker } from '../jobs/index.js';
import { createMailer, mailerOptionsFromConfig, type Mailer } from './mailer.js';
import { NotificationService, registerNotificationJobs } from './notification.service.js';
import { attachmentNamed, decodeHeader, findPart, parseMime } from '../../test-support/mime-reader.js';
import type { WebhookEnvelope } from './channels/webhook.channel.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import { waitFor } from '../../test-support/wait.js';

const handle = await testDatabase();
after(() => handle.close());
const queue = new JobQueue(handle.db);
const FROM = 'Gemeinde Testhausen <rathaus@testhausen.example>';

/** A service and a worker with their own job names, so parallel tests never deliver each other's jobs. */
function startNotifications(t: TestContext, mailer: Mailer): NotificationService {
  const jobNamespace = `test-${randomUUID().slice(0, 8)}.`;
  const worker = new JobWorker({
    queue,
    pollIntervalMs: 20,
    backoff: { baseMs: 20, capMs: 200 },
    unknownJobs: false,
  });
  registerNotificationJobs(worker, { mailer }, { jobNamespace });
  worker.start();
  t.after(async () => {
    await worker.stop();
    mailer.close();
  });
  return new NotificationService(queue, { jobNamespace });
}

const waitForStatus = (id: number, status: JobStatus): Promise<Job> =>
  waitFor(`job ${id} to be ${status}`, async () => {
    const job = await queue.getJob(id);
    return job?.status === status ? job : undefined;
  });

interface ReceivedMail {
  mailFrom: string | undefined;
  rcptTo: string[];
  raw: Buffer;
}

async function startSmtpServer(
  t: TestContext,
  port = 0,
): Promise<{ port: number; received: ReceivedMail[] }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({
          mailFrom: mailFrom ? mailFrom.address : undefined,
          rcptTo: rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

/** A port nothing listens on (right now). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const invitation = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Smart Region//Test//DE',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:sitzung-2026-12-03@testhausen.example',
  'DTSTART:20261203T180000Z',
  'SUMMARY:Gemeinderatssitzung',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const text = (part: { body: Buffer } | undefined) => part?.body.toString('utf8').replace(/\r\n/g, '\n');

void test('an e-mail is delivered through SMTP with recipient, subject, body and attachments', async (t) => {
  const smtp = await startSmtpServer(t);
  const service = startNotifications(
    t,
    createMailer({ from: FROM, smtpUrl: `smtp://127.0.0.1:${smtp.port}`, outboxDir: os.tmpdir() }),
  );
  const { municipality } = await createTestTenant(handle.db);
  const subject = 'Einladung: Gemeinderatssitzung am 3. Dezember – Tagesordnung';

  const { id } = await service.sendEmail(
    {
      to: 'anna.schmidt@example.org',
      subject,
      text: 'Guten Tag,\nanbei die Einladung.\nFreundliche Grüße aus dem Rathaus',
      html: '<p>Guten Tag,</p><p>anbei die Einladung.</p>',
      replyTo: 'sitzungsdienst@testhausen.example',
      headers: { 'X-SRP-Topic': 'council' },
      attachments: [
        {
          filename: 'sitzung.ics',
          content: Buffer.from(invitation),
          contentType: 'text/calendar; method=REQUEST',
        },
        { filename: 'tagesordnung.txt', content: Readable.from([Buffer.from('TOP 1: Haushalt\n')]) },
      ],
    },
    { municipalityId: municipality.id },
  );
  const job = await waitForStatus(id, 'done');
  assert.equal(job.municipality_id, municipality.id);

  assert.equal(smtp.received.length, 1);
  const mail = smtp.received[0];
  assert.ok(mail);
  assert.deepEqual(mail.rcptTo, ['anna.schmidt@example.org']);
  assert.equal(mail.mailFrom, 'rathaus@testhausen.example');
  const message = parseMime(mail.raw);
  assert.equal(decodeHeader(message.headers.get('subject')), subject);
  assert.match(message.headers.get('to') ?? '', /anna\.schmidt@example\.org/);
  assert.match(message.headers.get('reply-to') ?? '', /sitzungsdienst@testhausen\.example/);
  assert.equal(message.headers.get('x-srp-topic'), 'council');
  assert.match(
    message.headers.get('message-id') ?? '',
    new RegExp(`^<srp-job-${id}-\\d+@testhausen\\.example>$`),
  );
  assert.equal(
    text(findPart(message, 'text/plain')),
    'Guten Tag,\nanbei die Einladung.\nFreundliche Grüße aus dem Rathaus',
  );
  assert.match(text(findPart(message, 'text/html')) ?? '', /anbei die Einladung/);
  const ics = attachmentNamed(message, 'sitzung.ics');
  assert.match(ics?.headers.get('content-type') ?? '', /^text\/calendar/);
  assert.equal(ics?.body.toString('utf8'), invitation);
  assert.equal(text(attachmentNamed(message, 'tagesordnung.txt')), 'TOP 1: Haushalt\n');
});

void test('while the SMTP server is down the e-mail is retried, and delivered once it is up', async (t) => {
  const port = await freePort();
  const service = startNotifications(
    t,
    createMailer({ from: FROM, smtpUrl: `smtp://127.0.0.1:${port}`, outboxDir: os.tmpdir() }),
  );
  const subject = `Ihr Antrag ${randomUUID().slice(0, 8)} ist eingegangen`;
  const { id } = await service.sendEmail({ to: 'bernd@example.org', subject, text: 'Danke.' });

  const failing = await waitFor('two failed attempts', async () => {
    const job = await queue.getJob(id);
    return job && job.attempts >= 2 && job.status === 'pending' ? job : undefined;
  });
  assert.match(failing.last_error ?? '', /ECONNREFUSED/);

  const smtp = await startSmtpServer(t, port);
  const done = await waitForStatus(id, 'done');
  assert.ok(done.attempts >= 3);
  const delivered = smtp.received.filter(
    (m) => decodeHeader(parseMime(m.raw).headers.get('subject')) === subject,
  );
  assert.equal(delivered.length, 1);
  assert.deepEqual(delivered[0]?.rcptTo, ['bernd@example.org']);
});

void test('without SMTP the message is written to the outbox as a readable .eml file', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-outbox-'));
  t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
  const options = mailerOptionsFromConfig({ MAIL_FROM: FROM, DATA_DIR: dataDir });
  assert.equal(options.outboxDir, path.join(dataDir, 'outbox'));
  const mailer = createMailer(options);
  assert.equal(mailer.kind, 'outbox');
  const service = startNotifications(t, mailer);

  const { id } = await service.sendEmail({
    to: ['clara@example.org', 'dieter@example.org'],
    subject: 'Passwort zurücksetzen',
    text: 'Öffnen Sie den Link, um ein neues Passwort zu wählen.',
    attachments: [
      { filename: 'einladung.ics', content: Buffer.from(invitation), contentType: 'text/calendar' },
    ],
  });
  await waitForStatus(id, 'done');

  const files = await fs.readdir(options.outboxDir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /\.eml$/);
  const message = parseMime(await fs.readFile(path.join(options.outboxDir, files[0]!)));
  assert.equal(message.headers.get('to'), 'clara@example.org, dieter@example.org');
  assert.equal(decodeHeader(message.headers.get('from')), FROM);
  assert.equal(decodeHeader(message.headers.get('subject')), 'Passwort zurücksetzen');
  assert.equal(
    text(findPart(message, 'text/plain')),
    'Öffnen Sie den Link, um ein neues Passwort zu wählen.',
  );
  assert.equal(attachmentNamed(message, 'einladung.ics')?.body.toString('utf8'), invitation);
});

void test('an e-mail queued in a transaction that rolls back is never sent', async () => {
  const service = new NotificationService(queue, { jobNamespace: `test-${randomUUID().slice(0, 8)}.` });
  let jobId: number | undefined;
  await assert.rejects(
    handle.db.transaction().execute(async (trx) => {
      jobId = (await service.sendEmail({ to: 'x@example.org', subject: 'Nie', text: '-' }, { executor: trx }))
        .id;
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.equal(await queue.getJob(jobId!), undefined);
});

void test('invalid notifications are refused before anything is queued', async () => {
  const service = new NotificationService(queue, { jobNamespace: `test-${randomUUID().slice(0, 8)}.` });
  await assert.rejects(service.sendEmail({ to: [], subject: 'x', text: 'x' }), { code: 'validation_failed' });
  await assert.rejects(service.sendEmail({ to: 'a@example.org', subject: ' ', text: 'x' }), {
    code: 'validation_failed',
  });
  const webhook = { url: 'ftp://example.org/hook', event: 'issue.created', payload: {}, secret: 's' };
  await assert.rejects(service.sendWebhook(webhook), { code: 'validation_failed' });
  await assert.rejects(service.sendWebhook({ ...webhook, url: 'not a url' }), { code: 'validation_failed' });
  await assert.rejects(service.sendWebhook({ ...webhook, url: 'https://example.org', secret: '' }), {
    code: 'validation_failed',
  });
});

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

async function startWebhookReceiver(t: TestContext, secret: string, statuses: number[]) {
  const deliveries: Delivery[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['x-srp-signature'];
      deliveries.push({
        headers: request.headers,
        body,
        signatureValid: verifyWebhookSignature(
          secret,
          typeof header === 'string' ? header : undefined,
          body,
          60,
        ),
      });
      response.statusCode = statuses[deliveries.length - 1] ?? statuses.at(-1) ?? 200;
      response.end(response.statusCode >= 300 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, deliveries };
}

void test('a webhook is signed, retried after a 500 and delivered with a 200', async (t) => {
  const secret = `whsec-${randomUUID()}`;
  const receiver = await startWebhookReceiver(t, secret, [500, 200]);
  const service = startNotifications(t, createMailer({ from: FROM, outboxDir: os.tmpdir() }));

  const { id } = await service.sendWebhook({
    url: `http://127.0.0.1:${receiver.port}/hooks/srp?token=do-not-log`,
    event: 'issue.created',
    payload: { issueId: 'a1b2', title: 'Straßenlaterne defekt' },
    secret,
  });
  const job = await waitForStatus(id, 'done');

  assert.equal(job.attempts, 2);
  assert.match(job.last_error ?? '', /answered 500: receiver says no/);
  assert.doesNotMatch(job.last_error ?? '', /do-not-log/);
  assert.equal(receiver.deliveries.length, 2);
  for (const delivery of receiver.deliveries) {
    assert.equal(delivery.signatureValid, true);
    assert.equal(delivery.headers['x-srp-event'], 'issue.created');
    assert.equal(delivery.headers['x-srp-delivery'], String(id));
    assert.equal(delivery.headers['content-type'], 'application/json');
  }
  assert.equal(receiver.deliveries[0]?.body, receiver.deliveries[1]?.body, 'a retry sends the same body');
  const envelope = JSON.parse(receiver.deliveries[1]!.body) as WebhookEnvelope;
  assert.deepEqual(envelope, {
    id: String(id),
    event: 'issue.created',
    createdAt: job.created_at.toISOString(),
    data: { issueId: 'a1b2', title: 'Straßenlaterne defekt' },
  });
  assert.equal(
    verifyWebhookSignature(
      'wrong-secret',
      receiver.deliveries[1]!.headers['x-srp-signature'] as string,
      receiver.deliveries[1]!.body,
    ),
    false,
  );
});

void test('a webhook answered with 410 Gone goes to dead without retries', async (t) => {
  const secret = `whsec-${randomUUID()}`;
  const receiver = await startWebhookReceiver(t, secret, [410]);
  const service = startNotifications(t, createMailer({ from: FROM, outboxDir: os.tmpdir() }));

  const { id } = await service.sendWebhook({
    url: `http://127.0.0.1:${receiver.port}/hooks/old`,
    event: 'issue.closed',
    payload: {},
    secret,
  });
  const job = await waitForStatus(id, 'dead');
  assert.equal(job.attempts, 1);
  assert.match(job.last_error ?? '', /PermanentJobError: .*answered 410/);
  assert.equal(receiver.deliveries.length, 1);
});
