import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { loggedInClient, TestClient } from '../test-support/http.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  grantTestRole,
  TEST_PASSWORD,
} from '../test-support/factories.js';
import { systemActor } from '../core/audit/audit.service.js';
import { certificateApplication, TEST_APPLICANT } from '../test-support/egov-applications.js';
import { waitFor } from '../test-support/wait.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

interface CaseView {
  id: string;
  reference: string;
  status: string;
  paymentUrl: string | null;
  processing: boolean;
  files: { id: string; kind: string; fileName: string }[];
  messages: { sender: string; body: string }[];
}

/** Path and query of an absolute URL (PUBLIC_URL in tests is not the test server's address). */
const local = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

/** The citizen pays through the pay link and the test provider's pages, as a browser would. */
async function payOnline(payUrl: string) {
  const browser = new TestClient(server.url);
  const post = (path: string, body: string) =>
    browser.request('POST', path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const started = await post(local(payUrl), '');
  assert.equal(started.status, 303);
  const confirmed = await post(local(started.headers.get('location')!), 'action=confirm');
  assert.equal(confirmed.status, 303);
  assert.equal((await browser.get(local(confirmed.headers.get('location')!))).status, 303);
}

async function setup() {
  const { region, municipality: flieden } = await createTestTenant(server.ctx.db);
  const kalbach = await createTestMunicipality(server.ctx.db, region);
  await server.ctx.egov.catalogue.ensureShippedServices(region.id, systemActor('test'));
  const substitute = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });
  await grantTestRole(server.ctx.db, substitute, 'caseworker', flieden);
  const stranger = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });
  const citizen = await createTestUser(server.ctx.db, { home: flieden, roles: ['citizen'] });
  return { flieden, kalbach, substitute, stranger, citizen };
}

test('anonymous citizen: catalogue, draft, attachment, server-side validation, submit, receipt; a substitute caseworker completes it', async () => {
  const { flieden, substitute, stranger } = await setup();
  const anonymous = new TestClient(server.url);

  const list = await anonymous.get<{
    services: { serviceId: string; slug: string; allowAnonymous: boolean }[];
  }>(`/api/public/egov/municipalities/${flieden.id}/services?q=Urkunde`);
  assert.equal(list.status, 200);
  const service = list.body.services.find((s) => s.slug === 'personenstandsurkunde')!;
  assert.ok(service.allowAnonymous);
  const detail = await anonymous.get<{
    feeRules: { id: string; amountCents: number }[];
    formSchema: { components: unknown[] };
  }>(`/api/public/egov/municipalities/${flieden.id}/services/${service.serviceId}`);
  assert.equal(detail.status, 200);
  assert.ok(detail.body.formSchema.components.length > 0);

  const created = await anonymous.post<{ case: CaseView; resumeToken: string }>(
    `/api/egov/municipalities/${flieden.id}/cases`,
    {
      serviceId: service.serviceId,
      data: { urkunde: { art: 'geburt' } },
    },
  );
  assert.equal(created.status, 201);
  const caseId = created.body.case.id;
  const resume = { 'x-resume-token': created.body.resumeToken };
  assert.equal(
    (await anonymous.get(`/api/egov/cases/${caseId}`)).status,
    404,
    'without the resume token the case is not found',
  );
  const resumed = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
  assert.equal(resumed.status, 200);
  assert.equal(resumed.body.status, 'draft');

  const upload = await anonymous.request<{ id: string }>(
    'POST',
    `/api/egov/cases/${caseId}/attachments?field=urkunde.ausweis&name=ausweis.pdf`,
    {
      headers: { ...resume, 'content-type': 'application/pdf' },
      body: Buffer.from('%PDF-1.4 Ausweis'),
    },
  );
  assert.equal(upload.status, 201);
  const wrongType = await anonymous.request(
    'POST',
    `/api/egov/cases/${caseId}/attachments?field=urkunde.ausweis&name=x.exe`,
    {
      headers: { ...resume, 'content-type': 'application/octet-stream' },
      body: Buffer.from('MZ'),
    },
  );
  assert.equal(wrongType.status, 400);

  const form = certificateApplication(upload.body.id, 1);
  const saved = await anonymous.request<{ fee: { totalCents: number } }>(
    'PUT',
    `/api/egov/cases/${caseId}/draft`,
    { headers: resume, json: { data: { ...form, urkunde: { ...form.urkunde, anzahl: 3 } } } },
  );
  assert.equal(saved.body.fee.totalCents, 2400);

  const invalid = await anonymous.request<{
    error: { code: string; details: { fields: Record<string, string[]> } };
  }>('POST', `/api/egov/cases/${caseId}/submit`, {
    headers: resume,
    json: { data: { ...form, antragsteller: { ...TEST_APPLICANT, plz: '123' } } },
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.code, 'egov_form_invalid');
  assert.deepEqual(invalid.body.error.details.fields['antragsteller.plz'], [
    'does not match the expected format',
  ]);

  const submitted = await anonymous.request<{
    reference: string;
    status: string;
    receiptUrl: string;
    fee: { totalCents: number };
  }>('POST', `/api/egov/cases/${caseId}/submit`, {
    headers: resume,
    json: { data: form },
  });
  assert.equal(submitted.status, 200, submitted.text);
  assert.equal(submitted.body.status, 'received', 'stored as received; the process starts in a job');
  assert.equal(submitted.body.fee.totalCents, 1200);
  const receipt = await anonymous.request('GET', submitted.body.receiptUrl, { headers: resume });
  assert.equal(receipt.status, 200);
  assert.equal(receipt.headers.get('content-type'), 'application/pdf');
  assert.ok(receipt.text.startsWith('%PDF-'));
  assert.equal(
    (
      await anonymous.request('POST', `/api/egov/cases/${caseId}/submit`, {
        headers: resume,
        json: { data: form },
      })
    ).status,
    409,
  );

  // The process asks for the fee moments later; the case page offers the payment once it did.
  const unpaid = await waitFor('the started process', async () => {
    const view = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
    return view.body.processing ? undefined : view;
  });
  assert.equal(unpaid.body.status, 'action_required', 'the fee is due first');
  assert.ok(unpaid.body.paymentUrl, 'the case page offers the payment');
  await payOnline(unpaid.body.paymentUrl);
  const paid = await waitFor('the paid case', async () => {
    const view = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
    return view.body.status === 'received' ? view.body : undefined;
  });
  assert.equal(paid.paymentUrl, null);

  // The caseworker from the neighbouring municipality who stands in sees the case; another does not.
  const other = await loggedInClient(server.url, stranger.email, TEST_PASSWORD);
  assert.equal((await other.get<{ cases: unknown[] }>('/api/egov/backoffice/cases')).body.cases.length, 0);
  assert.equal((await other.get(`/api/egov/backoffice/cases/${caseId}`)).status, 404);
  const caseworker = await loggedInClient(server.url, substitute.email, TEST_PASSWORD);
  const inbox = await caseworker.get<{ cases: { id: string; reference: string }[] }>(
    '/api/egov/backoffice/cases',
  );
  assert.deepEqual(
    inbox.body.cases.map((c) => c.reference),
    [submitted.body.reference],
  );
  const tasks = await caseworker.get<{ tasks: { source: { type: string; id: string } }[] }>(
    `/api/work/tasks?municipalityId=${flieden.id}`,
  );
  assert.ok(
    tasks.body.tasks.some((t) => t.source.type === 'egov_case' && t.source.id === `${caseId}:Pruefen`),
    'the case is in the one work inbox',
  );

  const full = await caseworker.get<{
    case: CaseView & { form: { antragsteller: { familienname: string } } };
    openSteps: { activityId: string }[];
    trail: { action: string }[];
    startFailed: unknown;
  }>(`/api/egov/backoffice/cases/${caseId}`);
  assert.equal(full.status, 200);
  assert.equal(full.body.case.form.antragsteller.familienname, 'Mustermann');
  // Started: nothing to try again.
  assert.equal(full.body.startFailed, null);
  assert.equal((await caseworker.post(`/api/egov/backoffice/cases/${caseId}/retry-start`, {})).status, 409);
  assert.deepEqual(
    full.body.openSteps.map((s) => s.activityId),
    ['Pruefen'],
  );
  assert.ok(
    full.body.trail.some((e) => e.action === 'egov_case.read'),
    'reading the case is audited',
  );

  assert.equal((await caseworker.post(`/api/egov/backoffice/cases/${caseId}/claim`, {})).status, 200);
  const asked = await caseworker.post<{ status: string }>(
    `/api/egov/backoffice/cases/${caseId}/request-information`,
    { message: 'Bitte nennen Sie den Geburtsnamen der Mutter.' },
  );
  assert.equal(asked.body.status, 'action_required');
  const citizenView = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, {
    headers: resume,
  });
  assert.equal(citizenView.body.status, 'action_required');
  assert.ok(citizenView.body.messages.some((m) => m.sender === 'staff' && m.body.includes('Geburtsnamen')));
  assert.equal(
    (
      await anonymous.request('POST', `/api/egov/cases/${caseId}/messages`, {
        headers: resume,
        json: { body: 'Schmidt' },
      })
    ).status,
    201,
  );
  assert.equal(
    (await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume })).body.status,
    'in_progress',
  );

  const done = await caseworker.post<{ status: string }>(
    `/api/egov/backoffice/cases/${caseId}/steps/Pruefen/complete`,
    { decision: 'approved', note: 'Urkunde geht heute raus.' },
  );
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.status, 'completed');

  const finished = await waitFor('the document', async () => {
    const view = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
    return view.body.files.find((f) => f.kind === 'document') ? view.body : undefined;
  });
  assert.equal(finished.status, 'completed');
  const document = finished.files.find((f) => f.kind === 'document')!;
  const pdf = await anonymous.request('GET', `/api/egov/cases/${caseId}/files/${document.id}`, {
    headers: resume,
  });
  assert.equal(pdf.status, 200);
  assert.ok(pdf.text.startsWith('%PDF-'));

  const stats = await caseworker.get<{
    rows: { service: string; municipalityId: string; total: number; closed: number }[];
  }>('/api/egov/backoffice/statistics');
  const row = stats.body.rows.find(
    (r) => r.municipalityId === flieden.id && r.service === 'personenstandsurkunde',
  );
  assert.deepEqual([row?.total, row?.closed], [1, 1]);
});

/** The online services a municipality offers, as the public portal lists them. */
async function publicServices(client: TestClient, municipalityId: string) {
  const listed = await client.get<{ services: { serviceId: string; slug: string }[] }>(
    `/api/public/egov/municipalities/${municipalityId}/services`,
  );
  return listed.body.services;
}

test('citizen accounts: services that need one refuse anonymous drafts; own cases and export', async () => {
  const { flieden, citizen } = await setup();
  const anonymous = new TestClient(server.url);
  const services = await publicServices(anonymous, flieden.id);
  const dog = services.find((s) => s.slug === 'hundesteuer')!;
  assert.equal(
    (await anonymous.post(`/api/egov/municipalities/${flieden.id}/cases`, { serviceId: dog.serviceId }))
      .status,
    401,
  );

  const client = await loggedInClient(server.url, citizen.email, TEST_PASSWORD);
  const created = await client.post<{ case: CaseView }>(`/api/egov/municipalities/${flieden.id}/cases`, {
    serviceId: dog.serviceId,
  });
  assert.equal(created.status, 201);
  const submitted = await client.post<{ reference: string }>(
    `/api/egov/cases/${created.body.case.id}/submit`,
    {
      data: {
        hund: {
          name: 'Bello',
          rasse: 'Mischling',
          geburtsdatum: '2020-01-01',
          haltung_seit: '2024-03-01',
          listenhund: false,
        },
        antragsteller: TEST_APPLICANT,
        richtig: true,
      },
    },
  );
  assert.equal(submitted.status, 200, submitted.text);
  const mine = await client.get<{ cases: { reference: string; status: string }[] }>('/api/egov/my/cases');
  assert.deepEqual(
    mine.body.cases.map((c) => [c.reference, c.status]),
    [[submitted.body.reference, 'received']],
  );
  const exported = await client.get<{ cases: { reference: string; form: { hund: { name: string } } }[] }>(
    '/api/egov/my/export',
  );
  assert.equal(exported.body.cases[0]!.form.hund.name, 'Bello');
  assert.equal((await anonymous.get('/api/egov/my/cases')).status, 401);
});

test('process design: a draft rejects colliding field keys, unknown service calls, timers without a duration and broken BPMN; a test run uses the draft', async () => {
  const { flieden } = await setup();
  const designer = await createTestUser(server.ctx.db, { home: flieden, roles: ['process_designer'] });
  const client = await loggedInClient(server.url, designer.email, TEST_PASSWORD);
  const catalogue = await client.get<{
    services: { id: string; slug: string }[];
  }>('/api/egov/design/services');
  // The designer works for Flieden's region only, so the slug names one service.
  const service = catalogue.body.services.find((s) => s.slug === 'meldebescheinigung')!;
  const drafted = await client.post<{ id: string; status: string; bpmnXml: string }>(
    `/api/egov/design/services/${service.id}/drafts`,
    {},
  );
  assert.equal(drafted.status, 201, drafted.text);
  const draftPath = `/api/egov/design/versions/${drafted.body.id}`;

  const colliding = await client.patch<{ error: { code: string; details: { keys: string[] } } }>(draftPath, {
    formSchema: {
      components: [
        { type: 'textfield', key: 'person.name', label: 'Name' },
        {
          type: 'group',
          path: 'person',
          components: [{ type: 'textfield', key: 'name', label: 'Auch Name' }],
        },
      ],
    },
  });
  assert.equal(colliding.status, 400);
  assert.equal(colliding.body.error.code, 'validation_failed');
  assert.deepEqual(colliding.body.error.details.keys, ['person.name']);
  const nested = await client.patch<{ error: { details: { keys: string[] } } }>(draftPath, {
    formSchema: {
      components: [
        { type: 'textfield', key: 'person', label: 'Person' },
        { type: 'textfield', key: 'person.name', label: 'Name' },
      ],
    },
  });
  assert.equal(nested.status, 400);
  assert.deepEqual(nested.body.error.details.keys, ['person', 'person.name']);
  const badKey = await client.patch<{ error: { details: { keys: string[] } } }>(draftPath, {
    formSchema: { components: [{ type: 'textfield', key: 'mit leerzeichen', label: 'X' }] },
  });
  assert.equal(badKey.status, 400);
  assert.deepEqual(badKey.body.error.details.keys, ['mit leerzeichen']);

  const unknownCall = await client.patch<{ error: { details: { task: string } } }>(draftPath, {
    bpmnXml: drafted.body.bpmnXml.replace('services.setStatus(', 'services.deleteEverything('),
  });
  assert.equal(unknownCall.status, 400);
  assert.match(unknownCall.body.error.details.task, /\w+/);
  const broken = await client.patch(draftPath, {
    bpmnXml: drafted.body.bpmnXml.replace('</bpmn:process>', ''),
  });
  assert.equal(broken.status, 400);
  assert.match(drafted.body.bpmnXml, />P\dD<\/bpmn:timeDuration>/, 'the shipped model has a deadline');
  const badTimer = await client.patch<{ error: { details: { duration: string } } }>(draftPath, {
    bpmnXml: drafted.body.bpmnXml.replace(/>P\dD<\/bpmn:timeDuration>/, '>drei Tage</bpmn:timeDuration>'),
  });
  assert.equal(badTimer.status, 400);
  assert.equal(badTimer.body.error.details.duration, 'drei Tage');

  // A valid change is stored; a test run of the draft uses it, and the published version is untouched.
  const saved = await client.patch<{ formSchema: { components: unknown[] }; name: string }>(draftPath, {
    name: 'Meldebescheinigung (Entwurf)',
    formSchema: {
      components: [
        { type: 'textfield', key: 'neues_feld', label: 'Neues Feld', validate: { required: true } },
      ],
    },
  });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.name, 'Meldebescheinigung (Entwurf)');
  const run = await client.post<{ case: { id: string } }>(`/api/egov/municipalities/${flieden.id}/cases`, {
    serviceId: service.id,
    versionId: drafted.body.id,
  });
  assert.equal(run.status, 201, run.text);
  const refused = await client.post<{ error: { code: string } }>(
    `/api/egov/cases/${run.body.case.id}/submit`,
    {
      data: {},
    },
  );
  assert.equal(refused.status, 400, 'the draft form (with its required new field) is the rule in test runs');
  const submitted = await client.post(`/api/egov/cases/${run.body.case.id}/submit`, {
    data: { neues_feld: 'Testwert' },
  });
  assert.equal(submitted.status, 200, submitted.text);
});

test('an anonymous application is added to the account that proves the resume token; never by e-mail', async () => {
  const { flieden, citizen } = await setup();
  const anonymous = new TestClient(server.url);
  const services = await publicServices(anonymous, flieden.id);
  const certificate = services.find((s) => s.slug === 'personenstandsurkunde')!;
  const start = () =>
    anonymous.post<{ case: CaseView & { claimable: boolean }; resumeToken: string }>(
      `/api/egov/municipalities/${flieden.id}/cases`,
      {
        serviceId: certificate.serviceId,
        data: { antragsteller: { ...TEST_APPLICANT, email: citizen.email } },
      },
    );
  const first = await start();
  const second = await start();
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.case.claimable, false, 'nobody is logged in');
  const caseId = first.body.case.id;
  const resume = { 'x-resume-token': first.body.resumeToken };
  assert.equal(
    (await anonymous.request('POST', `/api/egov/cases/${caseId}/claim`, { headers: resume })).status,
    401,
  );

  const client = await loggedInClient(server.url, citizen.email, TEST_PASSWORD);
  assert.deepEqual(
    (await client.get<{ cases: unknown[] }>('/api/egov/my/cases')).body.cases,
    [],
    'not by e-mail',
  );
  const opened = await client.request<{ claimable: boolean }>('GET', `/api/egov/cases/${caseId}`, {
    headers: resume,
  });
  assert.equal(opened.body.claimable, true);
  assert.equal((await client.post(`/api/egov/cases/${caseId}/claim`)).status, 404, 'the token is the proof');
  const claimed = await client.request<{ claimable: boolean; reference: string }>(
    'POST',
    `/api/egov/cases/${caseId}/claim`,
    { headers: resume },
  );
  assert.equal(claimed.status, 200, claimed.text);
  assert.equal(claimed.body.claimable, false);
  assert.equal(
    (await anonymous.request('GET', `/api/egov/cases/${caseId}`, { headers: resume })).status,
    404,
  );

  // The second one by reference and resume token, as typed in under "Meine Anträge".
  const wrong = await client.post('/api/egov/my/cases/claim', {
    reference: second.body.case.reference,
    resumeToken: first.body.resumeToken,
  });
  assert.equal(wrong.status, 404);
  const byReference = await client.post<{ id: string }>('/api/egov/my/cases/claim', {
    reference: second.body.case.reference,
    resumeToken: second.body.resumeToken,
  });
  assert.equal(byReference.status, 200, byReference.text);
  assert.equal(byReference.body.id, second.body.case.id);
  const mine = await client.get<{ cases: { id: string }[] }>('/api/egov/my/cases');
  assert.deepEqual(mine.body.cases.map((c) => c.id).sort(), [caseId, second.body.case.id].sort());
});

test('fee rules: the designer gets German problems per rule and the fee of unsaved rules for example data', async () => {
  const { flieden } = await setup();
  const designer = await createTestUser(server.ctx.db, { home: flieden, roles: ['process_designer'] });
  const client = await loggedInClient(server.url, designer.email, TEST_PASSWORD);
  const service = (
    await client.get<{ services: { id: string; slug: string }[] }>('/api/egov/design/services')
  ).body.services.find((s) => s.slug === 'personenstandsurkunde')!;
  const drafted = await client.post<{ id: string }>(`/api/egov/design/services/${service.id}/drafts`, {});
  assert.equal(drafted.status, 201, drafted.text);
  const path = `/api/egov/design/versions/${drafted.body.id}`;
  const bad = await client.patch<{
    error: { code: string; details: { feeRules: { path: string; message: string }[] } };
  }>(path, {
    feeRules: [{ id: 'erste', label: 'Erste', amountCents: -5, when: { field: 'gibt.es.nicht' } }],
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'validation_failed');
  assert.deepEqual(
    bad.body.error.details.feeRules.map((p) => p.path),
    ['feeRules[0].amountCents', 'feeRules[0].when.field'],
  );
  assert.match(bad.body.error.details.feeRules[1]!.message, /gibt es im Formular nicht/);

  const rules = [
    { id: 'erste', label: 'Erste Urkunde', amountCents: 1200 },
    {
      id: 'weitere',
      label: 'Jede weitere',
      amountCents: 600,
      perUnit: { field: 'urkunde.anzahl', minus: 1 },
    },
    { id: 'frei', label: 'Rente', amountCents: 300, unless: { field: 'urkunde.zweck', equals: 'rente' } },
  ];
  const quote = await client.post<{ totalCents: number }>(`${path}/fee-quote`, {
    data: { urkunde: { anzahl: 3, zweck: 'rente' } },
    feeRules: rules,
  });
  assert.equal(quote.status, 200, quote.text);
  assert.equal(quote.body.totalCents, 1200 + 2 * 600, 'unsaved rules, the exemption applied');
  const saved = await client.patch<{ feeRules: unknown[] }>(path, { feeRules: rules });
  assert.equal(saved.status, 200, saved.text);
  assert.deepEqual(saved.body.feeRules, rules);
});

test('a fee set after submission reaches the citizen as a pay link; paying it is not the fee the process waits for', async () => {
  const { flieden, substitute, stranger } = await setup();
  const anonymous = new TestClient(server.url);
  const service = (await publicServices(anonymous, flieden.id)).find(
    (s) => s.slug === 'personenstandsurkunde',
  )!;
  const created = await anonymous.post<{ case: CaseView; resumeToken: string }>(
    `/api/egov/municipalities/${flieden.id}/cases`,
    { serviceId: service.serviceId, data: {} },
  );
  const caseId = created.body.case.id;
  const resume = { 'x-resume-token': created.body.resumeToken };
  const upload = await anonymous.request<{ id: string }>(
    'POST',
    `/api/egov/cases/${caseId}/attachments?field=urkunde.ausweis&name=ausweis.pdf`,
    { headers: { ...resume, 'content-type': 'application/pdf' }, body: Buffer.from('%PDF-1.4 Ausweis') },
  );
  const submitted = await anonymous.request('POST', `/api/egov/cases/${caseId}/submit`, {
    headers: resume,
    json: { data: certificateApplication(upload.body.id, 1) },
  });
  assert.equal(submitted.status, 200, submitted.text);
  // The process waits for the application's own fee.
  const waiting = await waitFor('the started process', async () => {
    const view = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
    return view.body.processing ? undefined : view.body;
  });
  assert.equal(waiting.status, 'action_required');
  assert.ok(waiting.paymentUrl);

  const caseworker = await loggedInClient(server.url, substitute.email, TEST_PASSWORD);
  const path = `/api/egov/backoffice/cases/${caseId}/fees`;
  const fee = { amountCents: 850, purpose: 'Zweitschrift der Urkunde' };
  assert.equal((await caseworker.post(path, { ...fee, amountCents: 0 })).status, 400);
  const other = await loggedInClient(server.url, stranger.email, TEST_PASSWORD);
  assert.equal((await other.post(path, fee)).status, 404, 'a caseworker who does not stand in sees no case');
  const requested = await caseworker.post<{ paymentId: string; payUrl: string }>(path, fee);
  assert.equal(requested.status, 201, requested.text);

  // The citizen finds the fee, its amount and the link in the case's mailbox.
  const view = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
  const message = view.body.messages.find((m) => m.sender === 'staff' && m.body.includes(fee.purpose));
  assert.ok(message, 'a message with the fee');
  assert.match(message.body, /8,50\s€/);
  assert.ok(message.body.includes(requested.body.payUrl));

  // The same fee again: the same payment with a fresh link (the first one stops working).
  const again = await caseworker.post<{ paymentId: string; payUrl: string }>(path, fee);
  assert.equal(again.body.paymentId, requested.body.paymentId);
  assert.notEqual(again.body.payUrl, requested.body.payUrl);
  assert.equal((await anonymous.get(local(requested.body.payUrl))).status, 404);

  await payOnline(again.body.payUrl);
  const payments = await caseworker.get<{ payments: { id: string; reference: string; status: string }[] }>(
    `/api/municipalities/${flieden.id}/egov/payments?sourceType=egov_case_fee&sourceId=${caseId}`,
  );
  assert.deepEqual(
    payments.body.payments.map((p) => [p.id, p.status]),
    [[requested.body.paymentId, 'paid']],
  );
  assert.match(payments.body.payments[0]!.reference, /-G1$/);
  // The process was not told that its fee is paid (that would be written with the payment's commit).
  const continued = await server.ctx.db
    .selectFrom('jobs')
    .select('id')
    .where('unique_key', '=', `egov-continue:${caseId}:payment`)
    .execute();
  assert.equal(continued.length, 0);
  const still = await anonymous.request<CaseView>('GET', `/api/egov/cases/${caseId}`, { headers: resume });
  assert.equal(still.body.status, 'action_required');
  assert.equal(still.body.paymentUrl, waiting.paymentUrl);
});
