// Deletion requests on the database (PGlite and PostgreSQL): a request writes its row, an inbox task and
// an audit entry together; only one may be pending; withdrawing and declining close it and its task, and
// a confirmation shuts the club, queues the deletion job and mails the requester in one transaction.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../../test-support/factories.js';
import { clubDeletionRequests } from './data.jobs.js';
import { DELETION_REQUEST_TASK_SOURCE } from './deletion-requests.service.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(parseConfig({ NODE_ENV: 'test' }), handle);
const requests = clubDeletionRequests(ctx);

async function activeClub() {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality, roles: ['club_admin'] });
  const applied = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'TV Löschantrag',
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('dr'),
    },
    admin.id,
    systemActor('test'),
  );
  const club = await ctx.clubs.decide(applied, true, null, systemActor('test'));
  return { club, admin, actor: { ...systemActor('test'), userId: admin.id } };
}

const taskOf = (sourceId: string) =>
  handle.db
    .selectFrom('tasks')
    .select(['status', 'title', 'completion_note'])
    .where('source_type', '=', DELETION_REQUEST_TASK_SOURCE)
    .where('source_id', '=', sourceId)
    .executeTakeFirstOrThrow();
const auditOf = (clubId: string) =>
  handle.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', clubId)
    .where('action', 'like', 'club.deletion%')
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((r) => r.action));

test('request, second request refused, withdraw; request again and decline with a reason', async () => {
  const { club, actor } = await activeClub();
  const first = await requests.request(club, 'Verein aufgelöst', actor);
  assert.equal(first.status, 'pending');
  assert.equal(first.note, 'Verein aufgelöst');
  assert.match((await taskOf(first.id)).title, /Löschung von TV Löschantrag beantragt/);
  await assert.rejects(requests.request(club, null, actor), { code: 'club_deletion_request_pending' });
  await requests.withdraw(club, actor);
  assert.equal((await requests.latest(club))?.status, 'withdrawn');
  assert.equal((await taskOf(first.id)).status, 'cancelled');
  await assert.rejects(requests.withdraw(club, actor), { code: 'club_deletion_request_not_pending' });

  const second = await requests.request(club, null, actor);
  await requests.decide(
    club,
    { confirm: false, reason: 'Bitte erst die Kasse prüfen' },
    systemActor('staff'),
  );
  const declined = await requests.latest(club);
  assert.equal(declined?.id, second.id);
  assert.equal(declined?.status, 'declined');
  assert.equal(declined?.decision_reason, 'Bitte erst die Kasse prüfen');
  assert.equal((await taskOf(second.id)).status, 'cancelled');
  assert.equal((await ctx.clubs.get(club.id)).status, 'active');
  assert.deepEqual(await auditOf(club.id), [
    'club.deletion_requested',
    'club.deletion_request_withdrawn',
    'club.deletion_requested',
    'club.deletion_request_declined',
  ]);
});

test('a confirmation shuts the club, queues its deletion and mails the requester', async () => {
  const { club, admin, actor } = await activeClub();
  const row = await requests.request(club, null, actor);
  assert.deepEqual(
    (await requests.pendingIn([club.municipality_id])).map((r) => r.club_name),
    ['TV Löschantrag'],
  );
  await requests.decide(club, { confirm: true, reason: null }, systemActor('staff'));
  assert.equal((await ctx.clubs.get(club.id)).status, 'deleting');
  assert.equal((await taskOf(row.id)).status, 'done');
  assert.deepEqual(await requests.pendingIn([club.municipality_id]), []);
  const jobs = await handle.db
    .selectFrom('jobs')
    .select(['name', 'payload'])
    .where('municipality_id', '=', club.municipality_id)
    .execute();
  assert.ok(jobs.some((j) => j.name === 'cloud.club.delete'));
  assert.ok(
    jobs.some((j) => JSON.stringify(j.payload).includes(admin.email)),
    'a mail to the requester is queued',
  );
  await assert.rejects(requests.decide(club, { confirm: false, reason: 'zu spät' }, systemActor('staff')), {
    code: 'club_deletion_request_not_pending',
  });
});
