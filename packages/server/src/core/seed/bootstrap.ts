// First start with an empty database: create the platform admin (from ADMIN_EMAIL / ADMIN_PASSWORD, or
// with a random password printed once) and, unless disabled, the demo region.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { systemActor } from '../audit/audit.service.js';
import { seedDemo } from './demo.js';

export interface BootstrapResult {
  adminCreated: { email: string; generatedPassword: string | null } | null;
  demoSeeded: string[];
}

export async function bootstrap(ctx: AppContext): Promise<BootstrapResult> {
  const result: BootstrapResult = { adminCreated: null, demoSeeded: [] };
  const firstStart = (await ctx.identity.countUsers()) === 0;
  if (firstStart) {
    const email = ctx.config.ADMIN_EMAIL ?? 'admin@localhost';
    const generated = ctx.config.ADMIN_PASSWORD ? null : randomBytes(18).toString('base64url');
    const actor = systemActor('bootstrap');
    const admin = await ctx.identity.createPerson(
      {
        email,
        displayName: 'Plattform-Administration',
        homeMunicipalityId: null,
        password: ctx.config.ADMIN_PASSWORD ?? generated,
      },
      actor,
    );
    await ctx.identity.grantRole(
      {
        userId: admin.id,
        role: 'platform_admin',
        municipalityId: null,
        reason: 'first start',
        validUntil: null,
      },
      actor,
    );
    result.adminCreated = { email, generatedPassword: generated };
  }
  if (ctx.config.DEMO_SEED)
    result.demoSeeded = await seedDemo(ctx, { secondRegion: ctx.config.DEMO_SECOND_REGION });
  return result;
}
