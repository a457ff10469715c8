import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { parseConfig } from '../config.js';
import { createContext, type AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { EgovCase } from '../core/db/schema.js';
import { testDatabase } from '../test-support/db.js';
import { certificateApplication, TEST_APPLICANT } from '../test-support/egov-applications.js';
import { createTestMunicipality, createTestTenant } from '../test-support/factories.js';
import { signWebhook } from '../core/notifications/webhook-signature.js';
import { JobWorker } from '../core/jobs/index.js';
import { waitFor } from '../test-support/wait.js';
import {
  awaitsProcessStart,
  CASE_SOURCE,
  DELIVERY_PROBLEM_SOURCE,
  START_PROBLEM_SOURCE,
  type ContinueCase,
} from './case.service.js';
import { processStartJob } from './egov.module.js';
import { parseStatusUpdate } from './connectors/connector.routes.js';
import { EgovRepository } from './egov.repository.js';
import type { TestPaymentProvider } from './payments/test-payment-provider.js';

/** Reads a download to a string (streams with listeners: the decrypting stream is a Transform). */
const text = (body: Buffer | NodeJS.ReadableStream) =>
  Buffer.isBuffer(body)
    ? Promise.resolve(body.toString('latin1'))
    : new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        body.on('data', (chunk: Buffer) => chunks.push(chunk));
        body.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
        body.on('error', reject);
      });

const handle = await testDatabase();
after(() => handle.close());
const config = parseConfig({ NODE_ENV: 'test', DATA_DIR: `/tmp/srp-egov-db-${process.pid}` });
const actor = systemActor('test');

async function region(ctx: AppContext) {
  const tenant = await createTestTenant(handle.db);
  await ctx.egov.catalogue.ensureShippedServices(tenant.region.id, actor);
  const services = await ctx.egov.catalogue.listServices([tenant.region.id]);
  const service = (slug: string) => services.find((s) => s.slug === slug)!;
  return { ...tenant, service };
}

/** Uploads the identity card a certificate application asks for. */
function attachIdCard(ctx: AppContext, c: EgovCase) {
  return ctx.egov.cases.addAttachment(
    c,
    {
      fieldKey: 'urkunde.ausweis',
      fileName: 'ausweis.pdf',
      contentType: 'application/pdf',
      body: Readable.from([Buffer.from('%PDF-1.4 Ausweis von Erika')]),
    },
    actor,
  );
}

async function submittedCertificate(
  ctx: AppContext,
  municipalityId: string,
  serviceId: string,
  options: { start: boolean } = { start: true },
) {
  const version = await ctx.egov.catalogue.publishedVersion(serviceId);
  const draft = await ctx.egov.cases.createDraft({
    municipalityId,
    version,
    params: await ctx.egov.catalogue.params(municipalityId, version.service_id),
    userId: null,
    testMode: false,
    data: {},
    actor,
  });
  const file = await attachIdCard(ctx, draft.case);
  const result = await ctx.egov.cases.submit(draft.case, certificateApplication(file.id), actor);
  assert.equal(result.case.status, 'received', 'stored as received; the process starts in a job');
  if (!options.start) return { ...result, draft, file };
  return { ...result, case: await startProcess(ctx, result.case.id), draft, file };
}

/** Runs the `egov.case.start` job that submit queued (the db tests run no worker); the case after it. */
async function startProcess(ctx: AppContext, caseId: string) {
  const job = await handle.db
    .selectFrom('jobs')
    .select(['name', 'municipality_id'])
    .where('unique_key', '=', `egov-start:${caseId}`)
    .executeTakeFirstOrThrow();
  assert.equal(job.name, 'egov.case.start');
  await ctx.egov.cases.startProcess(caseId);
  return ctx.egov.cases.get(caseId);
}

/** Runs the `egov.case.continue` job an event queued (the db tests run no worker). */
async function runContinueJob(ctx: AppContext, uniqueKey: string) {
  for (let i = 0; i < 100; i++) {
    const job = await handle.db
      .selectFrom('jobs')
      .select(['payload', 'name'])
      .where('unique_key', '=', uniqueKey)
      .executeTakeFirst();
    if (job) {
      assert.equal(job.name, 'egov.case.continue');
      await ctx.egov.cases.continueCase(job.payload as ContinueCase);
      return;
    }
    await sleep(20);
  }
  assert.fail(`no job ${uniqueKey}`);
}

/** The citizen pays the fee with the test provider; the payment event moves the case on. */
async function payFee(ctx: AppContext, caseId: string) {
  const data = await ctx.egov.cases.data(await ctx.egov.cases.get(caseId));
  assert.ok(data.payment && !data.payment.paid, 'the case waits for its fee');
  const redirect = new URL(await ctx.payments.start(data.payment.url.split('/').at(-1)!));
  const provider = ctx.paymentProvider as TestPaymentProvider;
  const order = provider.readOrder(Object.fromEntries(redirect.searchParams));
  await ctx.payments.confirm(provider.id, {
    transactionId: order.transactionId,
    status: 'paid',
    amountCents: order.amountCents,
    reference: order.reference,
  });
  await runContinueJob(ctx, `egov-continue:${caseId}:payment`);
  return ctx.egov.cases.get(caseId);
}

const citizenId = async () =>
  (
    await handle.db
      .insertInto('users')
      .values({ email: `citizen-${crypto.randomUUID()}@test.example`, display_name: 'Erika' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;

/** Open inbox tasks about a problem with a case (a failed delivery or process start). */
const openProblemTasks = async (
  ctx: AppContext,
  municipalityId: string,
  sourceType: string,
  caseId: string,
) =>
  (
    await ctx.work.list({ municipalityIds: [municipalityId], statuses: ['open', 'in_progress'], limit: 100 })
  ).filter((t) => t.source_type === sourceType && t.source_id === caseId);

const openTasks = async (ctx: AppContext, municipalityId: string, caseId: string) =>
  (
    await ctx.work.list({ municipalityIds: [municipalityId], statuses: ['open', 'in_progress'], limit: 100 })
  ).filter((t) => t.source_type === CASE_SOURCE && t.source_id.startsWith(`${caseId}:`));

test('a case goes from draft to submitted (receipt, fee, inbox task) to completed with a document', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const {
    case: submitted,
    receiptId,
    fee,
    file,
  } = await submittedCertificate(ctx, municipality.id, service('personenstandsurkunde').id);
  assert.equal(submitted.status, 'action_required', 'the citizen has to pay first');
  assert.equal((await openTasks(ctx, municipality.id, submitted.id)).length, 0, 'nothing to do before');
  assert.match(submitted.reference, /^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(fee.totalCents, 1800, 'first certificate 12 €, the second 6 €');
  assert.equal(submitted.fee_cents, 1800);
  assert.ok(submitted.submitted_at && submitted.due_at);

  const receipt = await ctx.egov.cases.openFile(submitted, receiptId);
  assert.equal(receipt.file.kind, 'receipt');
  assert.match(await text(receipt.body), /^%PDF-/);
  // Answered from memory right after submit; the stored, encrypted copy (what another instance or a later
  // download reads) is the same document.
  assert.ok(Buffer.isBuffer(receipt.body));
  const stored = await (await ctx.egov.keys.files(municipality.id)).get(receipt.file.storage_key);
  assert.equal(await text(stored.stream), await text(receipt.body));
  const attachment = await ctx.egov.cases.openFile(submitted, file.id);
  assert.equal(await text(attachment.body), '%PDF-1.4 Ausweis von Erika');

  const messages = await ctx.egov.cases.messages(submitted);
  assert.ok(
    messages.some((m) => m.sender === 'system' && m.body.includes('Gebühr') && m.body.includes('/bezahlen/')),
    'the citizen got the payment link',
  );
  const paid = await payFee(ctx, submitted.id);
  assert.equal(paid.status, 'received');
  assert.equal((await ctx.egov.cases.data(paid)).payment?.paid, true);
  const [task] = await openTasks(ctx, municipality.id, submitted.id);
  assert.ok(task, 'the waiting user task is in the work inbox');
  assert.equal(task.source_id, `${submitted.id}:Pruefen`);

  const caseworker = await handle.db
    .insertInto('users')
    .values({ email: `cw-${submitted.id}@test.example`, display_name: 'CW' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const claimed = await ctx.egov.cases.claim(paid, caseworker.id, actor);
  assert.equal(claimed.status, 'in_progress');
  const done = await ctx.egov.cases.completeUserTask(
    claimed,
    { activityId: 'Pruefen', decision: 'approved' },
    actor,
  );
  assert.equal(done.status, 'completed');
  assert.equal(done.engine_state_encrypted, null);
  assert.ok(done.closed_at && done.delete_after, 'closing starts the retention period');
  assert.equal((await openTasks(ctx, municipality.id, submitted.id)).length, 0);

  const documentJob = await handle.db
    .selectFrom('jobs')
    .select(['payload'])
    .where('unique_key', '=', `egov-document:${submitted.id}:Dokument`)
    .executeTakeFirstOrThrow();
  const payload = documentJob.payload as { template: string; activityId: string };
  assert.equal(payload.template, 'urkunde');
  await ctx.egov.cases.generateDocument(submitted.id, payload.template, payload.activityId);
  await ctx.egov.cases.generateDocument(submitted.id, payload.template, payload.activityId);
  const documents = (await ctx.egov.cases.files(done)).filter((f) => f.kind === 'document');
  assert.equal(documents.length, 1, 'a repeated job writes the document once');

  const trail = await ctx.egov.cases.trail(done);
  const actions = trail.map((e) => e.action);
  for (const action of [
    'egov_case.drafted',
    'egov_case.submitted',
    'egov_case.assigned',
    'egov_case.step_completed',
    'egov_case.status_changed',
  ])
    assert.ok(actions.includes(action), action);
});

/** A certificate application submitted in a fresh context, its process not started (its start job pending). */
async function receivedCertificate() {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const { case: submitted, receiptId } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
    { start: false },
  );
  return { ctx, municipality, submitted, receiptId };
}

test('submit answers before the engine: the start job, on any instance, brings status, inbox and payment', async () => {
  const { ctx, municipality, submitted, receiptId } = await receivedCertificate();
  assert.ok(awaitsProcessStart(submitted), 'received, the process not started yet');
  assert.ok(submitted.submitted_at && submitted.due_at && submitted.fee_cents === 1800);
  assert.equal(
    (await ctx.egov.cases.data(submitted)).payment,
    undefined,
    'no payment link before the process',
  );
  assert.equal((await ctx.egov.cases.openFile(submitted, receiptId)).file.kind, 'receipt');
  assert.equal((await openTasks(ctx, municipality.id, submitted.id)).length, 0);

  // Another instance (a fresh context that knows only the database) runs the queued start in its worker.
  const second = createContext(config, handle);
  const worker = new JobWorker({ queue: second.jobs, unknownJobs: false, pollIntervalMs: 50 });
  worker.register('egov.case.start', processStartJob(second.egov.cases));
  worker.start();
  let started;
  try {
    started = await waitFor('the process start', async () => {
      const c = await second.egov.cases.get(submitted.id);
      return awaitsProcessStart(c) ? undefined : c;
    });
    await waitFor('the start job done', async () => {
      const job = await handle.db
        .selectFrom('jobs')
        .select('status')
        .where('unique_key', '=', `egov-start:${submitted.id}`)
        .executeTakeFirst();
      return job?.status === 'done' ? job : undefined;
    });
  } finally {
    await worker.stop();
  }
  assert.equal(started.status, 'action_required', 'the process asked for the fee');
  assert.match((await second.egov.cases.data(started)).payment?.url ?? '', /\/bezahlen\//);
  const trail = (await ctx.egov.cases.trail(started)).map((e) => e.action);
  assert.ok(trail.includes('egov_case.submitted') && trail.includes('egov_case.status_changed'));

  // At least once: the job delivered again changes nothing.
  await ctx.egov.cases.startProcess(submitted.id);
  assert.equal((await ctx.egov.cases.get(submitted.id)).engine_revision, started.engine_revision);
});

test('a process that cannot start is retried, then shown to the team in the inbox; run again, it starts', async (t) => {
  const { ctx, municipality, submitted } = await receivedCertificate();
  const broken = t.mock.method(ctx.egov.cases.runner, 'start', () =>
    Promise.reject(new Error('engine unavailable')),
  );
  const handler = processStartJob(ctx.egov.cases);
  const attempt = (n: number) =>
    handler({
      id: 0,
      name: 'egov.case.start',
      payload: { caseId: submitted.id },
      municipalityId: municipality.id,
      attempt: n,
      maxAttempts: 5,
      createdAt: new Date(),
      workerId: 'test',
      signal: new AbortController().signal,
    });
  const problems = () => openProblemTasks(ctx, municipality.id, START_PROBLEM_SOURCE, submitted.id);

  await assert.rejects(attempt(1), /engine unavailable/);
  assert.equal((await problems()).length, 0, 'an early failure is only retried');
  await assert.rejects(attempt(5), /engine unavailable/);
  await assert.rejects(attempt(5), /engine unavailable/);
  const open = await problems();
  assert.equal(open.length, 1, 'one task while it is open');
  assert.match(open[0]!.title, /^Prozessstart fehlgeschlagen: .*\(\d{4}-/);
  assert.match(open[0]!.description ?? '', /engine unavailable/);
  assert.equal(open[0]!.priority, 'high');
  assert.ok(awaitsProcessStart(await ctx.egov.cases.get(submitted.id)), 'the case stays received');

  broken.mock.restore();
  await attempt(1); // the dead job run again by hand
  const started = await ctx.egov.cases.get(submitted.id);
  assert.equal(started.status, 'action_required');
  assert.equal((await problems()).length, 0, 'the problem task is settled');
});

test('staff try a start again that gave up: the dead start job is pending again, audited, once', async () => {
  const { ctx, submitted } = await receivedCertificate();
  const startJob = () =>
    handle.db
      .selectFrom('jobs')
      .select(['id', 'status', 'attempts'])
      .where('unique_key', '=', `egov-start:${submitted.id}`)
      .executeTakeFirstOrThrow();
  // Still pending (its worker has not given up): nothing to try again.
  assert.equal(await ctx.egov.cases.deadStartJob(submitted), undefined);
  await assert.rejects(ctx.egov.cases.retryStart(submitted, actor), { code: 'conflict' });

  const { id } = await startJob();
  await handle.db
    .updateTable('jobs')
    .set({ status: 'dead', attempts: 5, last_error: 'engine unavailable' })
    .where('id', '=', id)
    .execute();
  assert.deepEqual(await ctx.egov.cases.deadStartJob(submitted), { id, lastError: 'engine unavailable' });
  await ctx.egov.cases.retryStart(submitted, actor);
  assert.deepEqual(await startJob(), { id, status: 'pending', attempts: 0 });
  await assert.rejects(ctx.egov.cases.retryStart(submitted, actor), { code: 'conflict' });
  const audit = await handle.db
    .selectFrom('audit_log')
    .select('details')
    .where('action', '=', 'egov_case.start_retried')
    .where('target_id', '=', submitted.id)
    .execute();
  assert.deepEqual(
    audit.map((a) => a.details),
    [{ jobId: id }],
  );
});

test('a rejection runs the other branch: rejection notice and status rejected', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const { case: submitted } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  const rejected = await ctx.egov.cases.completeUserTask(
    await payFee(ctx, submitted.id),
    { activityId: 'Pruefen', decision: 'rejected', note: 'Kein Eintrag im Register' },
    actor,
  );
  assert.equal(rejected.status, 'rejected');
  assert.ok(
    await handle.db
      .selectFrom('jobs')
      .select('id')
      .where('unique_key', '=', `egov-document:${submitted.id}:Ablehnung`)
      .executeTakeFirst(),
  );
  await assert.rejects(ctx.egov.cases.completeUserTask(rejected, { activityId: 'Pruefen' }, actor), {
    code: 'conflict',
  });
});

test('gateways on form data: a listed dog needs the proof of competence checked first', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const version = await ctx.egov.catalogue.publishedVersion(service('hundesteuer').id);
  const start = async (listenhund: boolean) => {
    const draft = await ctx.egov.cases.createDraft({
      municipalityId: municipality.id,
      version,
      params: await ctx.egov.catalogue.params(municipality.id, version.service_id),
      userId: (
        await handle.db
          .insertInto('users')
          .values({ email: `dog-${Math.random()}@test.example`, display_name: 'Halter' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
      testMode: false,
      data: {},
      actor,
    });
    let sachkunde: string | undefined;
    if (listenhund) {
      sachkunde = (
        await ctx.egov.cases.addAttachment(
          draft.case,
          {
            fieldKey: 'hund.sachkunde',
            fileName: 's.pdf',
            contentType: 'application/pdf',
            body: Readable.from([Buffer.from('%PDF')]),
          },
          actor,
        )
      ).id;
    }
    const { case: c } = await ctx.egov.cases.submit(
      draft.case,
      {
        hund: {
          name: 'Bello',
          rasse: 'Mischling',
          geburtsdatum: '2020-01-01',
          haltung_seit: '2024-03-01',
          listenhund,
          ...(sachkunde ? { sachkunde } : {}),
        },
        weitere_hunde: [{ name: 'Luna', rasse: 'Dackel' }],
        antragsteller: TEST_APPLICANT,
        richtig: true,
      },
      actor,
    );
    await startProcess(ctx, c.id);
    return (await openTasks(ctx, municipality.id, c.id)).map((t) => t.source_id.split(':')[1]);
  };
  assert.deepEqual(await start(true), ['Sachkunde']);
  assert.deepEqual(await start(false), ['Pruefen']);
});

test('versions: drafts change, publishing retires the old version, running cases keep theirs', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const serviceId = service('meldebescheinigung').id;
  const v1 = await ctx.egov.catalogue.publishedVersion(serviceId);
  const old = await ctx.egov.cases.createDraft({
    municipalityId: municipality.id,
    version: v1,
    params: await ctx.egov.catalogue.params(municipality.id, v1.service_id),
    userId: await citizenId(),
    testMode: false,
    data: {},
    actor,
  });
  await assert.rejects(ctx.egov.catalogue.updateDraft(v1, { name: 'Neu' }, actor), { code: 'conflict' });
  const draft = await ctx.egov.catalogue.createDraft(serviceId, actor);
  assert.equal(draft.version, 2);
  await assert.rejects(ctx.egov.catalogue.createDraft(serviceId, actor), { code: 'conflict' });
  await assert.rejects(ctx.egov.catalogue.updateDraft(draft, { bpmnXml: '<xml>kein bpmn</xml>' }, actor), {
    code: 'validation_failed',
  });
  await assert.rejects(
    ctx.egov.catalogue.updateDraft(
      draft,
      {
        bpmnXml: v1.bpmn_xml.replace(
          '<bpmn:userTask id="Pruefen"',
          '<bpmn:scriptTask id="X" scriptFormat="js"></bpmn:scriptTask><bpmn:userTask id="Pruefen"',
        ),
      },
      actor,
    ),
    { code: 'validation_failed' },
  );
  const changed = await ctx.egov.catalogue.updateDraft(
    draft,
    { name: 'Meldebescheinigung (neu)', feeRules: [{ id: 'einfach', label: 'Gebühr', amountCents: 700 }] },
    actor,
  );
  assert.equal(
    (await ctx.egov.catalogue.listOffered(municipality.id)).find((s) => s.serviceId === serviceId)?.version,
    1,
    'drafts are not offered',
  );
  await ctx.egov.catalogue.publish(changed, actor);
  const offered = (await ctx.egov.catalogue.listOffered(municipality.id)).find(
    (s) => s.serviceId === serviceId,
  )!;
  assert.equal(offered.version, 2);
  assert.equal(offered.name, 'Meldebescheinigung (neu)');
  assert.equal((await ctx.egov.catalogue.version(v1.id)).status, 'retired');
  assert.equal(
    (await ctx.egov.cases.get(old.case.id)).service_version_id,
    v1.id,
    'the running case keeps version 1',
  );

  await ctx.egov.catalogue.setParams(
    municipality.id,
    serviceId,
    {
      enabled: false,
      responsible_office: '',
      contact_email: null,
      contact_phone: null,
      fee_overrides: {},
      team_id: null,
    },
    actor,
  );
  assert.equal(
    (await ctx.egov.catalogue.listOffered(municipality.id)).some((s) => s.serviceId === serviceId),
    false,
    'switched off',
  );
  await assert.rejects(ctx.egov.catalogue.offer(municipality.id, serviceId), { code: 'not_found' });
  assert.equal((await ctx.egov.catalogue.listOffered(municipality.id, 'urkunde')).length, 1, 'search');
});

test('instances keep published versions in memory: a draft change is seen at once, a retirement at submit', async () => {
  const first = createContext(config, handle);
  const second = createContext(config, handle);
  const { municipality, service } = await region(first);
  const serviceId = service('personenstandsurkunde').id;
  // The second instance serves a citizen: version 1 is now in its memory.
  const draft = await second.egov.cases.createDraft({
    municipalityId: municipality.id,
    ...(await second.egov.catalogue.offer(municipality.id, serviceId)),
    userId: null,
    testMode: false,
    data: {},
    actor,
  });
  const file = await attachIdCard(second, draft.case);
  // A designer on the first instance drafts version 2; the second reads it, then it changes.
  const v2 = await first.egov.catalogue.createDraft(serviceId, actor);
  assert.equal((await second.egov.catalogue.content(v2.id)).name, v2.name);
  const renamed = await first.egov.catalogue.updateDraft(v2, { name: 'Personenstandsurkunde (neu)' }, actor);
  assert.equal(
    (await second.egov.catalogue.content(v2.id)).name,
    'Personenstandsurkunde (neu)',
    'a draft is read afresh',
  );
  await first.egov.catalogue.publish(renamed, actor);
  assert.equal((await second.egov.catalogue.offer(municipality.id, serviceId)).version.id, v2.id);
  await assert.rejects(
    second.egov.cases.submit(draft.case, certificateApplication(file.id), actor),
    { code: 'conflict' },
    'version 1 was retired by the other instance',
  );
});

test('engine state survives a restart: a second instance resumes the case, timers included', async () => {
  const first = createContext(config, handle);
  const { municipality, service } = await region(first);
  const serviceId = service('meldebescheinigung').id;
  const draftVersion = await first.egov.catalogue.createDraft(serviceId, actor);
  // A process that waits one second on a timer before the caseworker's step.
  const timed = draftVersion.bpmn_xml
    .replace('<bpmn:outgoing>Flow_Pruefen</bpmn:outgoing>', '<bpmn:outgoing>Flow_Warten</bpmn:outgoing>')
    .replace(
      '<bpmn:sequenceFlow id="Flow_Pruefen" sourceRef="Gebuehr"',
      '<bpmn:intermediateCatchEvent id="Warten"><bpmn:incoming>Flow_Warten</bpmn:incoming><bpmn:outgoing>Flow_Pruefen</bpmn:outgoing><bpmn:timerEventDefinition id="Warten_def"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="Flow_Warten" sourceRef="Gebuehr" targetRef="Warten" /><bpmn:sequenceFlow id="Flow_Pruefen" sourceRef="Warten"',
    );
  const version = await first.egov.catalogue.updateDraft(draftVersion, { bpmnXml: timed }, actor);
  const draft = await first.egov.cases.createDraft({
    municipalityId: municipality.id,
    version,
    params: await first.egov.catalogue.params(municipality.id, version.service_id),
    userId: await citizenId(),
    testMode: true,
    data: {},
    actor,
  });
  const { case: submitted } = await first.egov.cases.submit(
    draft.case,
    { bescheinigung: { art: 'erweitert' }, antragsteller: TEST_APPLICANT, richtig: true },
    actor,
  );
  await startProcess(first, submitted.id);
  assert.equal(submitted.fee_cents, 800);
  assert.equal((await openTasks(first, municipality.id, submitted.id)).length, 0, 'waiting on the timer');
  const wake = await handle.db
    .selectFrom('jobs')
    .select(['name', 'run_at', 'payload'])
    .where('unique_key', 'like', `egov-wake:${submitted.id}:%`)
    .executeTakeFirstOrThrow();
  assert.equal(wake.name, 'egov.case.wake');
  assert.ok(
    wake.run_at.getTime() > (submitted.submitted_at?.getTime() ?? 0),
    'the wake-up is scheduled for the timer',
  );

  // "Restart": a fresh context (another instance) knows nothing but the database.
  const second = createContext(config, handle);
  while (Date.now() < wake.run_at.getTime()) await sleep(100);
  await second.egov.cases.wake(submitted.id);
  const tasks = await openTasks(second, municipality.id, submitted.id);
  assert.deepEqual(
    tasks.map((t) => t.source_id.split(':')[1]),
    ['Pruefen'],
    'the timer fired after recovery',
  );
  assert.match(tasks[0]!.title, /^\[Test\] /);

  const third = createContext(config, handle);
  const done = await third.egov.cases.completeUserTask(
    await third.egov.cases.get(submitted.id),
    { activityId: 'Pruefen', decision: 'approved' },
    actor,
  );
  assert.equal(done.status, 'completed');
  // A stale copy cannot advance the case a second time.
  await assert.rejects(
    second.egov.cases.completeUserTask(submitted, { activityId: 'Pruefen', decision: 'approved' }, actor),
  );
});

test('citizen data is encrypted per municipality; ciphertexts do not open elsewhere', async () => {
  const ctx = createContext(config, handle);
  const { region: r, municipality, service } = await region(ctx);
  const other = await createTestMunicipality(handle.db, r);
  const { case: submitted, file } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  const row = await handle.db
    .selectFrom('egov_cases')
    .select(['data_encrypted', 'engine_state_encrypted'])
    .where('id', '=', submitted.id)
    .executeTakeFirstOrThrow();
  assert.doesNotMatch(row.data_encrypted, /Mustermann/);
  assert.match(row.data_encrypted, /^v1\./);
  assert.ok(row.engine_state_encrypted?.startsWith('v1.'));
  await assert.rejects(ctx.egov.keys.decryptJson(other.id, submitted.id, row.data_encrypted), {
    code: 'egov_data_integrity',
  });
  await assert.rejects(ctx.egov.keys.decryptJson(municipality.id, 'another-record', row.data_encrypted), {
    code: 'egov_data_integrity',
  });
  assert.notDeepEqual(await ctx.egov.keys.key(municipality.id), await ctx.egov.keys.key(other.id));
  const keys = await handle.db
    .selectFrom('egov_municipality_keys')
    .select('wrapped_key')
    .where('municipality_id', '=', municipality.id)
    .executeTakeFirstOrThrow();
  assert.ok(
    !keys.wrapped_key.includes((await ctx.egov.keys.key(municipality.id)).toString('base64')),
    'only the wrapped key is stored',
  );

  const raw = await ctx.files.get(
    (await ctx.egov.cases.files(submitted)).find((f) => f.id === file.id)!.storage_key,
  );
  const stored = await text(raw.stream);
  assert.ok(
    stored.startsWith('SRPE') && !stored.includes('Ausweis von Erika'),
    'the attachment is encrypted at rest',
  );

  const message = await handle.db
    .selectFrom('egov_case_messages')
    .select('body_encrypted')
    .where('case_id', '=', submitted.id)
    .executeTakeFirstOrThrow();
  assert.doesNotMatch(message.body_encrypted, /Gebühr/);
});

test('retention deletes closed cases with their files; stale drafts go too; export gives the citizen everything', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const citizen = await handle.db
    .insertInto('users')
    .values({ email: `citizen-${Date.now()}-${Math.random()}@test.example`, display_name: 'Erika' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const version = await ctx.egov.catalogue.publishedVersion(service('personenstandsurkunde').id);
  const draft = await ctx.egov.cases.createDraft({
    municipalityId: municipality.id,
    version,
    params: await ctx.egov.catalogue.params(municipality.id, version.service_id),
    userId: citizen.id,
    testMode: false,
    data: {},
    actor,
  });
  const file = await ctx.egov.cases.addAttachment(
    draft.case,
    {
      fieldKey: 'urkunde.ausweis',
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      body: Readable.from([Buffer.from('%PDF x')]),
    },
    actor,
  );
  const { case: submitted } = await ctx.egov.cases.submit(draft.case, certificateApplication(file.id), actor);
  await startProcess(ctx, submitted.id);
  await ctx.egov.cases.addMessage(submitted, 'citizen', citizen.id, 'Bitte schnell, danke!', actor);

  const exported = await ctx.egov.cases.exportForCitizen(citizen.id);
  assert.equal(exported.length, 1);
  assert.equal(exported[0]!.reference, submitted.reference);
  assert.equal((exported[0]!.form.antragsteller as { familienname: string }).familienname, 'Mustermann');
  assert.ok(exported[0]!.messages.some((m) => m.body === 'Bitte schnell, danke!'));

  const done = await ctx.egov.cases.completeUserTask(
    await payFee(ctx, submitted.id),
    { activityId: 'Pruefen', decision: 'approved' },
    actor,
  );
  const keys = (await ctx.egov.cases.files(done)).map((f) => f.storage_key);
  assert.ok(
    done.delete_after && done.delete_after.getTime() > Date.now() + 89 * 86_400_000,
    '90 days for certificates',
  );
  const stale = await ctx.egov.cases.createDraft({
    municipalityId: municipality.id,
    version,
    params: await ctx.egov.catalogue.params(municipality.id, version.service_id),
    userId: null,
    testMode: false,
    data: {},
    actor,
  });
  await handle.db
    .updateTable('egov_cases')
    .set({ updated_at: new Date(Date.now() - 31 * 86_400_000) })
    .where('id', '=', stale.case.id)
    .execute();

  await ctx.egov.cases.deleteExpired(new Date(Date.now() + 91 * 86_400_000));
  assert.equal(
    await handle.db
      .selectFrom('egov_cases')
      .select('id')
      .where('id', 'in', [submitted.id, stale.case.id])
      .executeTakeFirst(),
    undefined,
  );
  for (const key of keys) assert.equal(await ctx.files.exists(key), false, 'files are deleted too');
  assert.deepEqual(await ctx.egov.cases.exportForCitizen(citizen.id), []);
  const audit = await handle.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', submitted.id)
    .where('action', '=', 'egov_case.deleted')
    .executeTakeFirst();
  assert.ok(audit);
});

test('done in the work inbox advances the case; with a destination it waits for the connector answer', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const destination = await ctx.connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: 'urn:de:fim:leika:leistung:99050012104000',
      kind: 'webhook',
      name: 'Personenstandsregister',
      settings: { url: 'http://127.0.0.1:9/none', secret: 'a-webhook-secret-of-the-register' },
      enabled: true,
    },
    actor,
  );
  const { case: submitted, file } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  await payFee(ctx, submitted.id);
  const [task] = await openTasks(ctx, municipality.id, submitted.id);
  assert.ok(task);
  await ctx.work.complete(task, 'Urkunde ausgestellt', actor);
  await runContinueJob(ctx, `egov-continue:${task.source_id}:task:${task.id}`);

  const waiting = await ctx.egov.cases.get(submitted.id);
  assert.equal(waiting.status, 'received', 'not completed before the specialised software answered');
  assert.ok(waiting.engine_state_encrypted);
  assert.equal((await ctx.egov.cases.data(waiting)).decision, 'approved', 'done in the inbox means approved');
  const [delivery] = await ctx.connectors.listDeliveries({
    municipalityIds: [municipality.id],
    limit: 10,
  });
  assert.ok(delivery, 'the case was handed to its destination');
  assert.equal(delivery.source_id, submitted.id);
  assert.equal(delivery.destination_id, destination.id);
  const submission = delivery.submission as { reference: string; attachments: { fileKey: string }[] };
  assert.equal(submission.reference, submitted.reference);
  assert.equal(submission.attachments.length, 1);
  // The connector reads the attachment decrypted with the municipality's key.
  const plain = await ctx.egov.keys.fileReader().get(submission.attachments[0]!.fileKey);
  assert.equal(await text(plain.stream), '%PDF-1.4 Ausweis von Erika');
  assert.ok(file);

  await acceptDelivery(ctx, municipality.id, submitted.id, delivery.id);
  const done = await ctx.egov.cases.get(submitted.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.engine_state_encrypted, null);
  assert.equal((await ctx.egov.cases.data(done)).delivery?.status, 'accept-submission');
});

/**
 * The specialised software accepts a delivery: the connector publishes that inside the transaction that
 * records it (outbox), and the continue job it wrote runs.
 */
async function acceptDelivery(ctx: AppContext, municipalityId: string, caseId: string, deliveryId: string) {
  await handle.db.transaction().execute((trx) =>
    ctx.connectors.outbox.publish(
      'deliveryStatusChanged',
      {
        deliveryId,
        municipalityId,
        sourceType: CASE_SOURCE,
        sourceId: caseId,
        round: 1,
        status: 'accepted',
        remoteStatus: 'accept-submission',
        message: null,
      },
      trx,
    ),
  );
  await runContinueJob(ctx, `egov-continue:${caseId}:delivery:${deliveryId}:accepted`);
}

/** Runs the delivery job once, as the worker would (the db tests run no worker). */
async function runDeliveryJob(ctx: AppContext, municipalityId: string, deliveryId: string) {
  await ctx.connectors
    .runDeliveryJob({
      id: 0,
      name: 'egov.connector.deliver',
      payload: { deliveryId, municipalityId },
      municipalityId,
      attempt: 1,
      maxAttempts: 60,
      createdAt: new Date(),
      workerId: 'test',
      signal: new AbortController().signal,
    })
    .catch(() => undefined);
}

const REGISTER_SECRET = 'a-webhook-secret-of-the-register';

/**
 * A paid certificate application whose inbox task is done, so its delivery to the register (a webhook
 * destination at `receiver`) is queued; the delivery job has not run yet.
 */
async function approvedCaseWithDelivery(ctx: AppContext, receiver: http.Server) {
  const { municipality, service } = await region(ctx);
  const destination = await ctx.connectors.saveDestination(
    {
      municipalityId: municipality.id,
      serviceKey: 'urn:de:fim:leika:leistung:99050012104000',
      kind: 'webhook',
      name: 'Personenstandsregister',
      settings: {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        secret: REGISTER_SECRET,
      },
      enabled: true,
    },
    actor,
  );
  const { case: submitted } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  await payFee(ctx, submitted.id);
  const [task] = await openTasks(ctx, municipality.id, submitted.id);
  assert.ok(task);
  await ctx.work.complete(task, 'Urkunde ausgestellt', actor);
  await runContinueJob(ctx, `egov-continue:${task.source_id}:task:${task.id}`);
  const [delivery] = await ctx.connectors.listDeliveries({ municipalityIds: [municipality.id], limit: 10 });
  assert.ok(delivery);
  return { municipality, submitted, delivery, destination };
}

test('a delivery the receiver refuses becomes an inbox task; sent again by hand, the case goes on', async () => {
  // The specialised software refuses (422) until its operators fix the cause.
  let refusing = true;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(refusing ? 422 : 200, { 'content-type': 'text/plain' });
      res.end(refusing ? 'Geburtsort fehlt im Register' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  after(() => receiver.close());
  const ctx = createContext(config, handle);
  const { municipality, submitted, delivery } = await approvedCaseWithDelivery(ctx, receiver);

  await runDeliveryJob(ctx, municipality.id, delivery.id);
  const failed = await ctx.connectors.getDelivery(municipality.id, delivery.id);
  assert.equal(failed.status, 'failed', 'a refusal goes to the dead letters at once');
  await runContinueJob(ctx, `egov-continue:${submitted.id}:delivery:${delivery.id}:failed`);

  const problems = () => openProblemTasks(ctx, municipality.id, DELIVERY_PROBLEM_SOURCE, submitted.id);
  const [problem] = await problems();
  assert.ok(problem, 'the team gets a task about the failed delivery');
  assert.match(problem.title, /^Übermittlung fehlgeschlagen: .*\(/);
  assert.ok(problem.title.includes(submitted.reference));
  assert.equal(problem.priority, 'high');
  assert.match(problem.description, /Geburtsort fehlt im Register/, 'with the reason');
  assert.ok(problem.description.includes(`/verwaltung/vorgaenge/${submitted.id}`), 'linking to the case');
  assert.ok(problem.description.includes(delivery.id), 'and to the dead-letter entry');
  const waiting = await ctx.egov.cases.get(submitted.id);
  assert.equal(waiting.status, 'received', 'the citizen sees no change yet');
  assert.ok(waiting.engine_state_encrypted, 'the process still waits for the answer');

  // The same event again (at-least-once) does not make a second task.
  await ctx.egov.cases.continueCase({
    caseId: submitted.id,
    kind: 'delivery',
    status: 'failed',
    remoteStatus: null,
    message: 'Geburtsort fehlt im Register',
  });
  assert.equal((await problems()).length, 1);
  const audit = await ctx.audit.list({ municipalityIds: [municipality.id], limit: 100 });
  assert.ok(audit.some((e) => e.action === 'egov_case.delivery_problem' && e.target_id === submitted.id));

  refusing = false;
  await ctx.connectors.redeliver(municipality.id, delivery.id, actor);
  await runDeliveryJob(ctx, municipality.id, delivery.id);
  assert.equal((await ctx.connectors.getDelivery(municipality.id, delivery.id)).status, 'delivered');
  await acceptDelivery(ctx, municipality.id, submitted.id, delivery.id);
  const done = await ctx.egov.cases.get(submitted.id);
  assert.equal(done.status, 'completed', 'the accepted redelivery moves the case on');
  assert.deepEqual(await problems(), [], 'the problem task is settled');
});

test('a delivery the receiver rejects through its callback is sent again by hand as a new round, once', async () => {
  // The register takes every POST (200) and remembers the idempotency key of each.
  const keys: string[] = [];
  const receiver = http.createServer((req, res) => {
    keys.push(String(req.headers['x-srp-delivery']));
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  after(() => receiver.close());
  const ctx = createContext(config, handle);
  const { municipality, submitted, delivery, destination } = await approvedCaseWithDelivery(ctx, receiver);
  const callback = (remoteId: string, status: string, message: string | null = null) => {
    const body = JSON.stringify({ remoteId, status, message });
    return ctx.connectors.receiveStatus(
      destination.id,
      body,
      { 'x-srp-signature': signWebhook(REGISTER_SECRET, body) },
      parseStatusUpdate,
    );
  };
  await runDeliveryJob(ctx, municipality.id, delivery.id);
  assert.deepEqual(keys, [delivery.id], 'the first round is keyed by the delivery id');

  // Delivered, then the register rejects it in its callback.
  const rejected = await callback(delivery.id, 'rejected', 'Geburtsort fehlt im Register');
  assert.equal(rejected.status, 'rejected');
  await runContinueJob(ctx, `egov-continue:${submitted.id}:delivery:${delivery.id}:rejected`);
  const problems = () => openProblemTasks(ctx, municipality.id, DELIVERY_PROBLEM_SOURCE, submitted.id);
  const [problem] = await problems();
  assert.ok(problem, 'the team gets a high-priority task about the rejection');
  assert.equal(problem.priority, 'high');
  assert.match(problem.description, /Geburtsort fehlt im Register/);
  assert.equal((await ctx.egov.cases.get(submitted.id)).status, 'received', 'the case still waits');

  // Two clicks at once (or two caseworkers): exactly one redelivery, the other is told it is under way.
  const clicks = await Promise.allSettled([
    ctx.connectors.redeliver(municipality.id, delivery.id, actor),
    ctx.connectors.redeliver(municipality.id, delivery.id, actor),
  ]);
  assert.equal(clicks.filter((c) => c.status === 'fulfilled').length, 1);
  const refused = clicks.find((c) => c.status === 'rejected');
  assert.equal((refused?.reason as { code?: string }).code, 'conflict');
  const requeued = await ctx.connectors.getDelivery(municipality.id, delivery.id);
  assert.equal(requeued.status, 'queued');
  assert.equal(requeued.round, 2);
  assert.equal(requeued.remote_id, null, 'a new submission, not the rejected one');
  assert.deepEqual(requeued.earlier_remote_ids, [delivery.id]);
  const jobs = await handle.db
    .selectFrom('jobs')
    .select('id')
    .where('unique_key', '=', `delivery:${delivery.id}`)
    .where('status', '=', 'pending')
    .execute();
  assert.equal(jobs.length, 1, 'one job for the new round');

  // The job runs twice (at least once): the register gets the new round once, under a new key.
  await runDeliveryJob(ctx, municipality.id, delivery.id);
  await runDeliveryJob(ctx, municipality.id, delivery.id);
  assert.deepEqual(keys, [delivery.id, `${delivery.id}.2`]);
  const resent = await ctx.connectors.getDelivery(municipality.id, delivery.id);
  assert.equal(resent.status, 'delivered');
  assert.equal(resent.remote_id, `${delivery.id}.2`);

  // A late repeat of the first round's rejection is acknowledged and changes nothing.
  const late = await callback(delivery.id, 'rejected', 'Geburtsort fehlt im Register');
  assert.equal(late.status, 'delivered');
  assert.equal((await ctx.connectors.getDelivery(municipality.id, delivery.id)).status, 'delivered');

  // The register accepts the new round: the case goes on and the problem task is settled.
  assert.equal((await callback(`${delivery.id}.2`, 'accepted')).status, 'accepted');
  await runContinueJob(ctx, `egov-continue:${submitted.id}:delivery:${delivery.id}.2:accepted`);
  assert.equal((await ctx.egov.cases.get(submitted.id)).status, 'completed');
  assert.deepEqual(await problems(), [], 'the inbox task is closed');
  await assert.rejects(ctx.connectors.redeliver(municipality.id, delivery.id, actor), { code: 'conflict' });

  const audit = await ctx.audit.list({ municipalityIds: [municipality.id], limit: 200 });
  const redelivered = audit.filter(
    (e) => e.action === 'egov.delivery_redelivered' && e.target_id === delivery.id,
  );
  assert.equal(redelivered.length, 1);
  assert.deepEqual(
    { ...redelivered[0]!.details },
    {
      previousStatus: 'rejected',
      previousError: null,
      previousRemoteStatus: 'rejected',
      round: 2,
      idempotencyKey: `${delivery.id}.2`,
    },
  );
});

test('a paid fee is never lost: its follow-up job commits with the payment, or the payment rolls back', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const { case: submitted } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  const data = await ctx.egov.cases.data(await ctx.egov.cases.get(submitted.id));
  assert.ok(data.payment && !data.payment.paid);
  const redirect = new URL(await ctx.payments.start(data.payment.url.split('/').at(-1)!));
  const provider = ctx.paymentProvider as TestPaymentProvider;
  const order = provider.readOrder(Object.fromEntries(redirect.searchParams));
  const confirmation = {
    transactionId: order.transactionId,
    status: 'paid' as const,
    amountCents: order.amountCents,
    reference: order.reference,
  };
  const uniqueKey = `egov-continue:${submitted.id}:payment`;
  const continueJob = () =>
    handle.db
      .selectFrom('jobs')
      .select(['name', 'payload', 'status'])
      .where('unique_key', '=', uniqueKey)
      .executeTakeFirst();

  // The job table refuses the follow-up once (e.g. the disk is full): the confirmation fails as a whole.
  const enqueue = ctx.jobs.enqueue.bind(ctx.jobs);
  let refused = 0;
  ctx.jobs.enqueue = (async (...args: Parameters<typeof enqueue>) => {
    if (args[0] === 'egov.case.continue' && refused++ === 0) throw new Error('could not write the job');
    return enqueue(...args);
  }) as typeof ctx.jobs.enqueue;
  await assert.rejects(ctx.payments.confirm(provider.id, confirmation), /could not write the job/);
  assert.equal(refused, 1);
  const stillOpen = await ctx.payments.get(municipality.id, data.payment.paymentId);
  assert.equal(stillOpen.status, 'pending', 'the payment is not marked paid without its follow-up');
  assert.equal(await continueJob(), undefined);

  // The provider repeats its notification: now payment and job commit together, the job is there at once.
  const paid = await ctx.payments.confirm(provider.id, confirmation);
  assert.equal(paid.status, 'paid');
  const job = await continueJob();
  assert.ok(job, "the job was written in the payment's transaction");
  assert.equal(job.name, 'egov.case.continue');
  assert.equal(job.status, 'pending');
  await ctx.egov.cases.continueCase(job.payload as ContinueCase);
  const moved = await ctx.egov.cases.get(submitted.id);
  assert.equal(moved.status, 'received', 'the paid case went on to the caseworkers');
  assert.equal((await openTasks(ctx, municipality.id, submitted.id)).length, 1);

  // Done in the inbox: the continue job is written in the task's own transaction as well.
  const [task] = await openTasks(ctx, municipality.id, submitted.id);
  await ctx.work.complete(task!, null, actor);
  const taskJob = await handle.db
    .selectFrom('jobs')
    .select('id')
    .where('unique_key', '=', `egov-continue:${task!.source_id}:task:${task!.id}`)
    .executeTakeFirst();
  assert.ok(taskJob, 'no waiting: the job committed with the completion');
});

test('an anonymous application is added to an account only with its resume token, once, audited', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const { case: submitted, draft } = await submittedCertificate(
    ctx,
    municipality.id,
    service('personenstandsurkunde').id,
  );
  const token = draft.resumeToken!;
  assert.ok(token, 'anonymous applications get a resume token');
  const erika = await citizenId();
  const mallory = await citizenId();
  const asCitizen = (userId: string) => ({ ...systemActor('test'), userId });

  // Knowing the reference (or the e-mail address in the form) is not enough.
  await assert.rejects(
    ctx.egov.cases.addToAccount(
      { reference: submitted.reference },
      'x'.repeat(43),
      mallory,
      asCitizen(mallory),
    ),
    { code: 'not_found' },
  );
  await assert.rejects(
    ctx.egov.cases.addToAccount({ reference: 'NO-SUCH-REF' }, token, mallory, asCitizen(mallory)),
    { code: 'not_found' },
  );
  assert.deepEqual(await ctx.egov.cases.listForCitizen(mallory), []);

  // With the token, by reference (as typed from the receipt, in lower case): it is Erika's now.
  const claimed = await ctx.egov.cases.addToAccount(
    { reference: submitted.reference.toLowerCase() },
    token,
    erika,
    asCitizen(erika),
  );
  assert.equal(claimed.citizen_user_id, erika);
  assert.equal(claimed.resume_token_hash, null, 'the resume link stops working');
  assert.equal(claimed.engine_revision, submitted.engine_revision, 'the process state is untouched');
  assert.deepEqual(
    (await ctx.egov.cases.listForCitizen(erika)).map((c) => c.reference),
    [submitted.reference],
  );
  await assert.rejects(ctx.egov.cases.forCitizen(submitted.id, { userId: null, resumeToken: token }), {
    code: 'not_found',
  });
  assert.equal(
    (await ctx.egov.cases.forCitizen(submitted.id, { userId: erika, resumeToken: null })).id,
    submitted.id,
  );

  // Again by Erika: nothing changes. By someone else with the (now spent) token: not found.
  assert.equal(
    (await ctx.egov.cases.addToAccount({ caseId: submitted.id }, token, erika, asCitizen(erika))).id,
    submitted.id,
  );
  await assert.rejects(
    ctx.egov.cases.addToAccount({ caseId: submitted.id }, token, mallory, asCitizen(mallory)),
    {
      code: 'not_found',
    },
  );

  // Two accounts race for one draft with the same token: exactly one wins.
  const other = await ctx.egov.cases.createDraft({
    municipalityId: municipality.id,
    version: await ctx.egov.catalogue.publishedVersion(service('personenstandsurkunde').id),
    params: await ctx.egov.catalogue.params(municipality.id, service('personenstandsurkunde').id),
    userId: null,
    testMode: false,
    data: {},
    actor,
  });
  const race = await Promise.allSettled([
    ctx.egov.cases.addToAccount({ caseId: other.case.id }, other.resumeToken!, erika, asCitizen(erika)),
    ctx.egov.cases.addToAccount({ caseId: other.case.id }, other.resumeToken!, mallory, asCitizen(mallory)),
  ]);
  assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);

  const audit = await ctx.audit.list({ municipalityIds: [municipality.id], limit: 200 });
  const claims = audit.filter((e) => e.action === 'egov_case.claimed');
  assert.equal(claims.filter((e) => e.target_id === submitted.id).length, 1);
  assert.deepEqual(claims.find((e) => e.target_id === submitted.id)?.details, {
    via: 'reference_and_token',
    status: 'action_required',
  });
  assert.equal(claims.filter((e) => e.target_id === other.case.id).length, 1);
});

test('a draft keeps only fee rules that fit its form; the problems come back per rule in German', async () => {
  const ctx = createContext(config, handle);
  const { service } = await region(ctx);
  const draft = await ctx.egov.catalogue.createDraft(service('personenstandsurkunde').id, actor);
  const error = await ctx.egov.catalogue
    .updateDraft(
      draft,
      {
        feeRules: [
          { id: 'je-stueck', label: 'Je Stück', amountCents: 600, perUnit: { field: 'urkunde.menge' } },
        ],
      },
      actor,
    )
    .then(
      () => null,
      (e: unknown) => e as { code: string; details: { feeRules: { path: string; message: string }[] } },
    );
  assert.ok(error);
  assert.equal(error.code, 'validation_failed');
  assert.deepEqual(error.details.feeRules, [
    {
      path: 'feeRules[0].perUnit.field',
      message: 'Je Stück: Das Formularfeld „urkunde.menge“ gibt es im Formular nicht.',
    },
  ]);
  const rules = [
    { id: 'erste', label: 'Erste Urkunde', amountCents: 1200 },
    {
      id: 'weitere',
      label: 'Jede weitere',
      amountCents: 600,
      perUnit: { field: 'urkunde.anzahl', minus: 1 },
    },
    {
      id: 'rente',
      label: 'Für die Rente frei',
      amountCents: 0,
      unless: { field: 'urkunde.zweck', equals: 'rente' },
    },
  ];
  const saved = await ctx.egov.catalogue.updateDraft(draft, { feeRules: rules }, actor);
  assert.deepEqual(saved.fee_rules, rules);
});

test('a reference number another case holds is never given twice: the insert yields nothing', async () => {
  const ctx = createContext(config, handle);
  const { municipality, service } = await region(ctx);
  const version = await ctx.egov.catalogue.publishedVersion(service('personenstandsurkunde').id);
  const first = await ctx.egov.cases.createDraft({
    municipalityId: municipality.id,
    version,
    params: await ctx.egov.catalogue.params(municipality.id, version.service_id),
    userId: null,
    testMode: false,
    data: {},
    actor,
  });
  const clash = await new EgovRepository(handle.db).insertCase({
    id: crypto.randomUUID(),
    municipality_id: municipality.id,
    service_version_id: version.id,
    reference: first.case.reference,
    test_mode: false,
    citizen_user_id: null,
    resume_token_hash: null,
    data_encrypted: first.case.data_encrypted,
    fee_cents: 0,
  });
  assert.equal(clash, undefined);
  const holders = await handle.db
    .selectFrom('egov_cases')
    .select('id')
    .where('reference', '=', first.case.reference)
    .execute();
  assert.deepEqual(holders, [{ id: first.case.id }]);
});
