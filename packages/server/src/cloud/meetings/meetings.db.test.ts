// Meeting rooms in the database: per club and municipality, guest links stored as hashes, audited
// writes, and who may do what.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { sha256 } from '../../core/auth/tokens.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../../test-support/factories.js';
import { ClubsRepository } from '../clubs.repository.js';
import { meetingsPolicy } from './meetings.policy.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(
  parseConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'https://region.example',
    TURN_URLS: 'turn:127.0.0.1:3478',
    TURN_SECRET: 'a-long-shared-turn-secret',
  }),
  handle,
);

async function activeClub() {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality });
  const member = await createTestUser(handle.db, { home: municipality });
  const applied = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'SV Test',
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('sv'),
    },
    admin.id,
    systemActor('test'),
  );
  const club = await ctx.clubs.decide(applied, true, null, systemActor('test'));
  await new ClubsRepository(handle.db).addMember(club.id, member.id, 'member');
  return { municipality, admin, member, club };
}

test('rooms belong to one club; guest links are stored as hashes, rotate and are revoked', async () => {
  const { admin, club } = await activeClub();
  const other = await activeClub();
  const actor = { ...systemActor('test'), userId: admin.id };
  const room = await ctx.meetings.create(club, { name: 'Vorstandssitzung', waitingRoom: true }, actor);
  assert.equal(room.municipality_id, club.municipality_id);
  assert.equal(room.waiting_room, true);
  assert.equal(room.created_by, admin.id);
  assert.deepEqual(
    (await ctx.meetings.list(club)).map((r) => r.name),
    ['Vorstandssitzung'],
  );
  assert.deepEqual(await ctx.meetings.list(other.club), []);
  await assert.rejects(ctx.meetings.get(other.club, room.id), { code: 'not_found' });

  const first = await ctx.meetings.createGuestLink(room, actor);
  assert.equal(first.url, `https://region.example/treffen/${room.id}?gast=${first.token}`);
  const stored = await ctx.meetings.get(club, room.id);
  assert.equal(stored.guest_token_hash, sha256(first.token), 'only the hash is stored');
  assert.equal((await ctx.meetings.forGuest(room.id, first.token))?.id, room.id);
  const second = await ctx.meetings.createGuestLink(room, actor);
  assert.equal(await ctx.meetings.forGuest(room.id, first.token), undefined, 'a new link replaces the old');
  assert.equal((await ctx.meetings.forGuest(room.id, second.token))?.id, room.id);
  await ctx.meetings.revokeGuestLink(room, actor);
  assert.equal(await ctx.meetings.forGuest(room.id, second.token), undefined);

  await ctx.meetings.remove(room, actor);
  assert.deepEqual(await ctx.meetings.list(club), []);
  const actions = await handle.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', room.id)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    actions.map((a) => a.action),
    [
      'meeting.room_created',
      'meeting.guest_link_created',
      'meeting.guest_link_created',
      'meeting.guest_link_revoked',
      'meeting.room_deleted',
    ],
  );
});

test('admins manage rooms, members join, the creator and admins host; TURN credentials are issued', async () => {
  const { admin, member, club } = await activeClub();
  const room = await ctx.meetings.create(club, { name: 'Training', waitingRoom: false }, systemActor('test'));
  const asAdmin = await ctx.clubs.membership(club.id, admin.id);
  const asMember = await ctx.clubs.membership(club.id, member.id);
  const stranger = await ctx.clubs.membership(club.id, (await createTestUser(handle.db)).id);
  assert.equal(meetingsPolicy.mayManageRooms(club, asAdmin), true);
  assert.equal(meetingsPolicy.mayManageRooms(club, asMember), false);
  assert.equal(meetingsPolicy.mayJoin(club, asMember), true);
  assert.equal(meetingsPolicy.mayJoin(club, stranger), false);
  assert.equal(meetingsPolicy.isHost(room, admin.id, asAdmin), true);
  assert.equal(meetingsPolicy.isHost(room, member.id, asMember), false);
  assert.equal(meetingsPolicy.isHost({ ...room, created_by: member.id }, member.id, asMember), true);

  const [turn] = ctx.meetings.iceServers(member.id);
  assert.deepEqual(turn?.urls, ['turn:127.0.0.1:3478']);
  assert.match(turn?.username ?? '', new RegExp(`^\\d+:${member.id}$`));
});
