// A ready club for cloud tests: an approved club with an admin who holds an app password for WebDAV.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import { createTestTenant, createTestUser, TEST_PASSWORD, uniqueSlug } from './factories.js';

export async function createTestClub(ctx: AppContext, options: { quotaBytes?: number } = {}) {
  const { municipality } = await createTestTenant(ctx.db);
  const admin = await createTestUser(ctx.db, { home: municipality, roles: ['club_admin'] });
  const actor = systemActor('test');
  const applied = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'Testverein',
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('verein'),
    },
    admin.id,
    actor,
  );
  let club = await ctx.clubs.decide(applied, true, null, actor);
  if (options.quotaBytes !== undefined) club = await ctx.clubs.setQuota(club, options.quotaBytes, actor);
  const principal = await ctx.auth.principalFromBasic(admin.email, TEST_PASSWORD, '127.0.0.1');
  const { secret } = await ctx.auth.issueCredential(
    principal!,
    { kind: 'app_password', label: 'test', scopes: ['files'], municipalityId: null, expiresAt: null },
    actor,
  );
  return { municipality, admin, club, appPassword: secret };
}
