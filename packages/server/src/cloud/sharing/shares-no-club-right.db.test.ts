// Shares for members without a club-wide file right, on the database (PGlite and PostgreSQL): the access
// view built from the club's shares opens the club for them, lists only the way down to the shared folder,
// and gives inside it exactly the shared right; a member with nothing shared stays out.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../../test-support/factories.js';
import { CloudSharesService } from './shares.service.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(parseConfig({ NODE_ENV: 'test' }), handle);
const actor = systemActor('test');
const page = { sort: 'name' as const, order: 'asc' as const, limit: 50, offset: 0 };

test('a member whose club-wide right is none sees the way down to a group share and nothing else', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality, roles: ['club_admin'] });
  const applied = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'SV Freigabe',
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('fg'),
    },
    admin.id,
    actor,
  );
  const club = await ctx.clubs.setDefaultMemberAccess(
    await ctx.clubs.decide(applied, true, null, actor),
    'none',
    actor,
  );
  const [member, outsider] = [await createTestUser(handle.db), await createTestUser(handle.db)];
  for (const user of [member, outsider]) {
    const { token } = await ctx.clubs.invite(club, user.email, 'member', actor);
    await ctx.clubs.acceptInvitation(token, user.id, actor);
  }
  const group = await ctx.clubs.createGroup(
    club,
    { name: 'Kasse', fileAccess: 'none', mayManageMembers: false },
    actor,
  );
  await ctx.clubs.setGroupMember(club, group.id, member.id, true, actor);
  const files = ctx.cloudFiles;
  const root = await files.root(club);
  const archive = await files.createFolder(club, root, 'Archiv', admin.id);
  const years = await files.createFolder(club, archive, '2026', admin.id);
  const other = await files.createFolder(club, archive, '2025', admin.id);
  const secret = await files.createFolder(club, root, 'Vorstand', admin.id);
  await new CloudSharesService(handle.db, ctx.audit, ctx.clubs).create(
    club,
    years,
    { groupId: group.id },
    'write',
    actor,
  );

  const view = await files.accessFor(club, member.id, await ctx.clubs.membership(club.id, member.id));
  assert.equal(view.base, 'none');
  assert.equal(view.opensClub, true);
  assert.equal(await view.of(root), 'read');
  assert.equal(await view.of(archive), 'read');
  assert.equal(await view.of(years), 'write');
  assert.equal(await view.of(other), 'none');
  assert.equal(await view.of(secret), 'none');
  const names = async (folder: typeof root) =>
    (
      await files.listFolder(club, folder, page, view.listingFilter(folder.id, await view.of(folder)))
    ).items.map((n) => n.name);
  assert.deepEqual(await names(root), ['Archiv']);
  assert.deepEqual(await names(archive), ['2026']);
  // The way in may be read as a folder but not copied: it holds what the member may not see.
  assert.equal(view.readableThroughout(archive.id, 'read'), false);
  assert.equal(view.readableThroughout(years.id, 'write'), true);
  const found = await view.visible(await files.search(club, '20', 10));
  assert.deepEqual(
    found.map((n) => n.name),
    ['2026'],
  );

  const closed = await files.accessFor(club, outsider.id, await ctx.clubs.membership(club.id, outsider.id));
  assert.equal(closed.opensClub, false);
  assert.equal(await closed.of(years), 'none');
});
