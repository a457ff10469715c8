// Deletion requests over HTTP: the club admin asks (typing the club's name), the request is a task in the
// municipality's work inbox and listed for its admins, who decline it with a reason or confirm it (the
// club is shut at once); the club admin sees the state and may withdraw a pending request. Members get
// 403, strangers 404.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import type { Club } from '../../core/db/schema.js';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

interface RequestView {
  id: string;
  clubName: string;
  status: string;
  note: string | null;
  decisionReason: string | null;
}

let server: TestServer;
let club: Club;
let davAuth: string;
let board: TestClient;
let staff: TestClient;
let member: TestClient;
let stranger: TestClient;

before(async () => {
  server = await startTestServer({ webDist: null });
  const made = await createTestClub(server.ctx);
  club = made.club;
  davAuth = basic(made.admin.email, made.appPassword);
  board = await loggedInClient(server.url, made.admin.email, TEST_PASSWORD);
  const steward = await createTestUser(server.ctx.db, {
    home: made.municipality,
    roles: ['municipal_admin'],
  });
  staff = await loggedInClient(server.url, steward.email, TEST_PASSWORD);
  const user = await createTestUser(server.ctx.db);
  const { token } = await server.ctx.clubs.invite(club, user.email, 'member', systemActor('test'));
  await server.ctx.clubs.acceptInvitation(token, user.id, systemActor('test'));
  member = await loggedInClient(server.url, user.email, TEST_PASSWORD);
  const other = await createTestUser(server.ctx.db);
  stranger = await loggedInClient(server.url, other.email, TEST_PASSWORD);
});
after(() => server.close());

const path = () => `/api/clubs/${club.id}/deletion-request`;

test('rights: members 403, strangers 404, the typed name must match', async () => {
  assert.equal((await member.post(path(), { confirmName: club.name })).status, 403);
  assert.equal((await member.get(path())).status, 403);
  assert.equal((await stranger.get(path())).status, 404);
  assert.equal((await stranger.post(path(), { confirmName: club.name })).status, 404);
  const wrong = await board.post<{ code: string }>(path(), { confirmName: 'Anderer Verein' });
  assert.equal(wrong.status, 400);
  assert.equal((await staff.post(`${path()}/decision`, { decision: 'decline', reason: 'x' })).status, 409);
  assert.equal((await board.post(`${path()}/decision`, { decision: 'decline', reason: 'x' })).status, 403);
  const none = await board.get<{ request: null }>(path());
  assert.equal(none.body.request, null);
});

test('request, inbox task, decline with a reason, withdraw, confirm', async () => {
  const asked = await board.post<RequestView>(path(), { confirmName: club.name, note: 'Wir lösen uns auf' });
  assert.equal(asked.status, 201, asked.text);
  assert.equal(asked.body.status, 'pending');
  assert.equal((await board.post(path(), { confirmName: club.name })).status, 409);

  const inbox = await staff.get<{ tasks: { title: string; sourceType?: string }[] }>(
    `/api/work/tasks?municipalityId=${club.municipality_id}`,
  );
  assert.equal(inbox.status, 200);
  assert.ok(inbox.body.tasks.some((task) => task.title.includes(`Löschung von ${club.name} beantragt`)));
  const listed = await staff.get<{ items: RequestView[] }>('/api/cloud/deletion-requests');
  assert.deepEqual(
    listed.body.items.map((r) => [r.clubName, r.note]),
    [[club.name, 'Wir lösen uns auf']],
  );
  assert.deepEqual(
    (await member.get<{ items: RequestView[] }>('/api/cloud/deletion-requests')).body.items,
    [],
  );

  assert.equal((await staff.post(`${path()}/decision`, { decision: 'decline' })).status, 400);
  const declined = await staff.post(`${path()}/decision`, {
    decision: 'decline',
    reason: 'Erst Kasse prüfen',
  });
  assert.equal(declined.status, 200, declined.text);
  const seen = await board.get<{ request: RequestView }>(path());
  assert.equal(seen.body.request.status, 'declined');
  assert.equal(seen.body.request.decisionReason, 'Erst Kasse prüfen');

  assert.equal((await board.post(path(), { confirmName: club.name })).status, 201);
  assert.equal((await board.delete(path())).status, 204);
  assert.equal((await board.get<{ request: RequestView }>(path())).body.request.status, 'withdrawn');
  assert.equal((await board.delete(path())).status, 409);

  assert.equal((await board.post(path(), { confirmName: club.name })).status, 201);
  assert.equal(
    (await staff.post(`${path()}/decision`, { decision: 'confirm', confirmName: 'falsch' })).status,
    400,
  );
  const confirmed = await staff.post(`${path()}/decision`, { decision: 'confirm', confirmName: club.name });
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.equal((await board.get<{ request: RequestView }>(path())).body.request.status, 'confirmed');
  // Shut at once: WebDAV answers 404, and nobody asks twice.
  const dav = await fetch(`${server.url}/dav/files/${club.slug}/`, {
    method: 'PROPFIND',
    headers: { authorization: davAuth, depth: '0' },
  });
  assert.equal(dav.status, 404);
  // Refused while the deletion job is still to run (403), not found once it has removed the club (404).
  const again = (await board.post(path(), { confirmName: club.name })).status;
  assert.ok(again === 403 || again === 404, `a second request after the confirmation got ${again}`);
  const audit = await server.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', club.id)
    .where('action', 'like', 'club.deletion%')
    .orderBy('id')
    .execute();
  assert.deepEqual(
    audit.map((a) => a.action),
    [
      'club.deletion_requested',
      'club.deletion_request_declined',
      'club.deletion_requested',
      'club.deletion_request_withdrawn',
      'club.deletion_requested',
      'club.deletion_request_confirmed',
      'club.deletion_started',
    ],
  );
});
