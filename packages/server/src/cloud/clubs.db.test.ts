import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../config.js';
import { createContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import { testDatabase } from '../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../test-support/factories.js';
import { clubsPolicy } from './clubs.policy.js';
import { DEFAULT_QUOTA_BYTES, slugFromName } from './clubs.service.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(parseConfig({ NODE_ENV: 'test' }), handle);
const actor = systemActor('test');

async function activeClub() {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality, roles: ['club_admin'] });
  const club = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'SV Test',
      registerNumber: 'VR 123',
      contactEmail: admin.email,
      slug: uniqueSlug('sv'),
    },
    admin.id,
    actor,
  );
  return { municipality, admin, club: await ctx.clubs.decide(club, true, null, actor) };
}

test('slugs come from club names', () => {
  assert.equal(slugFromName('TSV Flieden 1920 e.V.'), 'tsv-flieden-1920-ev');
  assert.equal(slugFromName('Gesangverein Frohsinn Kalbach'), 'gesangverein-frohsinn-kalbach');
  assert.equal(slugFromName('Müller & Söhne'), 'mueller-soehne');
});

test('a club applies, staff approve once, the applicant is its admin with 1 TB by default', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const applicant = await createTestUser(handle.db, { home: municipality });
  const slug = uniqueSlug('verein');
  const club = await ctx.clubs.apply(
    { municipalityId: municipality.id, name: 'Verein', registerNumber: null, contactEmail: null, slug },
    applicant.id,
    actor,
  );
  assert.equal(club.status, 'applied');
  assert.equal(club.quota_bytes, DEFAULT_QUOTA_BYTES);
  const membership = await ctx.clubs.membership(club.id, applicant.id);
  assert.equal(membership.role, 'admin');
  assert.equal(clubsPolicy.fileAccess(club, membership), 'none', 'no files before approval');
  await assert.rejects(
    ctx.clubs.apply(
      { municipalityId: municipality.id, name: 'Zweiter', registerNumber: null, contactEmail: null, slug },
      applicant.id,
      actor,
    ),
    { code: 'club_slug_taken' },
  );
  const approved = await ctx.clubs.decide(club, true, null, actor);
  assert.equal(approved.status, 'active');
  assert.equal(clubsPolicy.fileAccess(approved, membership), 'write');
  await assert.rejects(ctx.clubs.decide(approved, false, null, actor), { code: 'club_already_decided' });
});

test('quota reservations stop at the quota and releases never go below zero', async () => {
  const { club } = await activeClub();
  await ctx.clubs.setQuota(club, 1000, actor);
  await ctx.clubs.reserveStorage(club.id, 600);
  await assert.rejects(ctx.clubs.reserveStorage(club.id, 500), { code: 'club_quota_exceeded', status: 507 });
  await ctx.clubs.reserveStorage(club.id, 400);
  await ctx.clubs.releaseStorage(club.id, 5000);
  assert.equal((await ctx.clubs.get(club.id)).used_bytes, 0);
});

test('invitations are single use and add the member; groups give rights; the last admin stays', async () => {
  const { club, admin, municipality } = await activeClub();
  const person = await createTestUser(handle.db, { home: municipality });
  const { token } = await ctx.clubs.invite(club, person.email, 'member', actor);
  await ctx.clubs.acceptInvitation(token, person.id, actor);
  await assert.rejects(ctx.clubs.acceptInvitation(token, person.id, actor), {
    code: 'club_invitation_invalid',
  });
  let membership = await ctx.clubs.membership(club.id, person.id);
  assert.equal(membership.role, 'member');
  assert.equal(clubsPolicy.mayManageMembers(admin as never, club, membership), false);

  await ctx.clubs.setDefaultMemberAccess(club, 'none', actor);
  const strict = await ctx.clubs.get(club.id);
  assert.equal(clubsPolicy.fileAccess(strict, membership), 'none');
  const board = await ctx.clubs.createGroup(
    club,
    { name: 'Vorstand', fileAccess: 'write', mayManageMembers: true },
    actor,
  );
  await ctx.clubs.setGroupMember(club, board.id, person.id, true, actor);
  membership = await ctx.clubs.membership(club.id, person.id);
  assert.equal(clubsPolicy.fileAccess(strict, membership), 'write');
  assert.equal(clubsPolicy.mayManageMembers(admin as never, strict, membership), true);

  await assert.rejects(ctx.clubs.removeMember(club, admin.id, actor), { code: 'club_last_admin' });
  await ctx.clubs.removeMember(club, person.id, actor);
  assert.equal((await ctx.clubs.membership(club.id, person.id)).role, null);
  assert.deepEqual((await ctx.clubs.listGroups(club))[0]!.member_ids, []);
});

test('a support request opens a conversation and a task in the municipal work inbox', async () => {
  const { club, admin, municipality } = await activeClub();
  const request = await ctx.clubs.openSupportRequest(club, 'Speicher voll', 'Bitte mehr Platz', {
    ...actor,
    userId: admin.id,
  });
  assert.ok(request.task_id);
  const task = await ctx.work.get(request.task_id);
  assert.equal(task.municipality_id, municipality.id);
  assert.deepEqual([task.source_type, task.source_id], ['club_support', request.id]);
  await ctx.clubs.replyToSupportRequest(request.id, 'Erledigt', true, actor);
  assert.equal((await ctx.clubs.supportRequest(request.id)).status, 'answered');
  const messages = await ctx.clubs.supportMessages(request.id);
  assert.deepEqual(
    messages.map((m) => [m.from_staff, m.body]),
    [
      [false, 'Bitte mehr Platz'],
      [true, 'Erledigt'],
    ],
  );
  const listed = await ctx.clubs.listSupportRequests({ municipalityIds: [municipality.id] });
  assert.deepEqual(
    listed.map((r) => r.id),
    [request.id],
  );
});
