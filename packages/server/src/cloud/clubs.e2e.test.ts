// The clubs API end to end: apply, staff decide and set the quota, invitations, support requests, and
// what people of another municipality see.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../test-support/factories.js';
import { loggedInClient } from '../test-support/http.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

interface ClubView {
  id: string;
  status: string;
  quotaBytes: number;
  usedBytes: number;
  myRole: string | null;
}

test('a club applies, the seat municipality approves and sets the quota; strangers see nothing', async () => {
  const { municipality } = await createTestTenant(server.ctx.db);
  const other = await createTestTenant(server.ctx.db);
  const applicant = await createTestUser(server.ctx.db, { home: municipality });
  const staff = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const foreignStaff = await createTestUser(server.ctx.db, {
    home: other.municipality,
    roles: ['municipal_admin'],
  });
  const club = await loggedInClient(server.url, applicant.email, TEST_PASSWORD);
  const applied = await club.post<ClubView>('/api/clubs', {
    municipalityId: municipality.id,
    name: 'Schützenverein Test',
    registerNumber: 'VR 99',
  });
  assert.equal(applied.status, 201, applied.text);
  assert.equal(applied.body.status, 'applied');
  assert.equal(applied.body.myRole, 'admin');

  const foreign = await loggedInClient(server.url, foreignStaff.email, TEST_PASSWORD);
  assert.equal((await foreign.get(`/api/clubs/${applied.body.id}`)).status, 404);
  assert.equal((await foreign.post(`/api/clubs/${applied.body.id}/decision`, { approve: true })).status, 404);
  assert.equal((await club.post(`/api/clubs/${applied.body.id}/decision`, { approve: true })).status, 403);

  const municipal = await loggedInClient(server.url, staff.email, TEST_PASSWORD);
  const listed = await municipal.get<{ supported: ClubView[] }>('/api/clubs');
  assert.ok(listed.body.supported.some((c) => c.id === applied.body.id));
  const approved = await municipal.post<ClubView>(`/api/clubs/${applied.body.id}/decision`, {
    approve: true,
  });
  assert.equal(approved.body.status, 'active');
  const quota = await municipal.request<ClubView>('PUT', `/api/clubs/${applied.body.id}/quota`, {
    json: { quotaBytes: 5_000_000 },
  });
  assert.equal(quota.body.quotaBytes, 5_000_000);

  const invited = await club.post(`/api/clubs/${applied.body.id}/invitations`, { email: 'neu@test.example' });
  assert.equal(invited.status, 202);
  const support = await club.post<{ taskId: string }>(`/api/clubs/${applied.body.id}/support-requests`, {
    subject: 'Zugang für Kassenwart',
    message: 'Wie richten wir ein App-Passwort ein?',
  });
  assert.equal(support.status, 201);
  const task = await municipal.get<{ task: { source: { type: string } } }>(
    `/api/work/tasks/${support.body.taskId}`,
  );
  assert.equal(task.body.task.source.type, 'club_support');
});
