// Admin tasks from the shell: `npm run cli -- <command>`. Uses the same configuration, services and audit
// log as the server; every change is recorded with the actor "cli".
import { Command, InvalidArgumentError } from 'commander';
import { ROLES, type Role } from '@srp/contracts';
import { ConfigError, parseConfig } from './config.js';
import { createContext, type AppContext } from './context.js';
import { systemActor } from './core/audit/audit.service.js';
import { SCOPES, type Scope } from './core/auth/principal.js';
import { openDatabase } from './core/db/database.js';
import { migrateToLatest } from './core/db/migrate.js';
import { isAppError } from './core/errors.js';
import { seedDemo } from './core/seed/demo.js';
import { randomBytes } from 'node:crypto';

const actor = systemActor('cli');

async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = parseConfig(process.env);
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: 2,
  });
  try {
    await migrateToLatest(database.db);
    return await fn(createContext(config, database));
  } finally {
    await database.close();
  }
}

const role = (value: string): Role => {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
};
const scopes = (value: string): Scope[] => {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length)
    throw new InvalidArgumentError(`unknown scope(s) ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  return list as Scope[];
};

const program = new Command('srp').description('Smart Region Platform administration').showHelpAfterError();

program
  .command('migrate')
  .description('Bring the database schema up to date')
  .action(async () => {
    const config = parseConfig(process.env);
    const database = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: 2,
    });
    const applied = await migrateToLatest(database.db);
    await database.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  });

program
  .command('seed-demo')
  .description(
    'Seed the demo region Südkreis (and with --second-region the six municipalities of Kinzigtal-Spessart)',
  )
  .option('--second-region', 'also seed the second demo region', false)
  .action(async (options: { secondRegion: boolean }) => {
    const created = await withContext((ctx) => seedDemo(ctx, { secondRegion: options.secondRegion }));
    console.log(created.length ? `seeded: ${created.join(', ')}` : 'demo data exists already');
  });

program
  .command('list-municipalities')
  .description('Regions and municipalities with their slugs')
  .action(async () => {
    const regions = await withContext((ctx) => ctx.tenancy.publicRegions());
    for (const r of regions) {
      console.log(`${r.name} (${r.slug})`);
      for (const m of r.municipalities)
        console.log(`  ${m.slug.padEnd(24)} ${m.name}${m.ags ? `  AGS ${m.ags}` : ''}`);
    }
  });

program
  .command('create-user')
  .description('Create an account; without --password a random one is printed once')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>', 'display name')
  .option('--municipality <slug>', 'home municipality')
  .option('--password <password>')
  .action(async (options: { email: string; name: string; municipality?: string; password?: string }) => {
    const password = options.password ?? randomBytes(18).toString('base64url');
    const user = await withContext(async (ctx) => {
      const home = options.municipality ? await ctx.tenancy.municipalityBySlug(options.municipality) : null;
      return ctx.identity.createPerson(
        { email: options.email, displayName: options.name, homeMunicipalityId: home?.id ?? null, password },
        actor,
      );
    });
    console.log(`created ${user.email} (${user.id})`);
    if (!options.password) console.log(`password (shown only now): ${password}`);
  });

program
  .command('grant')
  .description('Give a person a role in a municipality (platform_admin without --municipality)')
  .requiredOption('--email <email>')
  .requiredOption('--role <role>', ROLES.join('|'), role)
  .option('--municipality <slug>')
  .option('--reason <text>')
  .action(async (options: { email: string; role: Role; municipality?: string; reason?: string }) => {
    await withContext(async (ctx) => {
      const user = await ctx.identity.findUserByEmail(options.email);
      if (!user) throw new Error(`no account with e-mail ${options.email}`);
      const municipality = options.municipality
        ? await ctx.tenancy.municipalityBySlug(options.municipality)
        : null;
      await ctx.identity.grantRole(
        {
          userId: user.id,
          role: options.role,
          municipalityId: municipality?.id ?? null,
          reason: options.reason ?? null,
          validUntil: null,
        },
        actor,
      );
    });
    console.log(
      `granted ${options.role}${options.municipality ? ` in ${options.municipality}` : ''} to ${options.email}`,
    );
  });

program
  .command('create-api-key')
  .description('Create an API key for an account; the key is printed once')
  .requiredOption('--email <email>')
  .requiredOption('--label <label>')
  .option('--scopes <list>', `comma-separated: ${SCOPES.join(',')}`, scopes, ['api'] as Scope[])
  .option('--municipality <slug>', 'limit the key to one municipality')
  .option('--app-password', 'create an app password (for WebDAV/CalDAV clients) instead', false)
  .action(
    async (options: {
      email: string;
      label: string;
      scopes: Scope[];
      municipality?: string;
      appPassword: boolean;
    }) => {
      const secret = await withContext(async (ctx) => {
        const user = await ctx.identity.findUserByEmail(options.email);
        if (!user) throw new Error(`no account with e-mail ${options.email}`);
        const municipality = options.municipality
          ? await ctx.tenancy.municipalityBySlug(options.municipality)
          : null;
        const principal = await ctx.auth.principalForUser(user, 'session');
        const issued = await ctx.auth.issueCredential(
          principal,
          {
            kind: options.appPassword ? 'app_password' : 'api_key',
            label: options.label,
            scopes: options.scopes,
            municipalityId: municipality?.id ?? null,
            expiresAt: null,
          },
          actor,
        );
        return issued.secret;
      });
      console.log(`${options.appPassword ? 'app password' : 'API key'} (shown only now): ${secret}`);
    },
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else if (isAppError(error)) console.error(`${error.code}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
