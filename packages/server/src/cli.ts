// Admin tasks from the shell: `npm run cli -- <command>`. Uses the same configuration, services and audit
// log as the server; every change is recorded with the actor "cli". The commands are built around an
// injected database opener and output, so tests run them in-process.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ROLES, type Role } from '@srp/contracts';
import { ConfigError, parseConfig, type Config } from './config.js';
import { createContext, type AppContext } from './context.js';
import { systemActor } from './core/audit/audit.service.js';
import { SCOPES, type Scope } from './core/auth/principal.js';
import { openDatabase, type DatabaseHandle } from './core/db/database.js';
import { migrateToLatest } from './core/db/migrate.js';
import { isAppError } from './core/errors.js';
import { seedDemo } from './core/seed/demo.js';

const actor = systemActor('cli');

export interface CliDeps {
  config: Config;
  /** Opens the database; the CLI closes it after each command. */
  open: () => Promise<DatabaseHandle>;
  out: (line: string) => void;
}

const role = (value: string): Role => {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
};

const scopes = (value: string): Scope[] => {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new InvalidArgumentError(`unknown scope(s) ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  }
  return list as Scope[];
};

export function createCli(deps: CliDeps): Command {
  const { config, out } = deps;

  async function withDatabase<T>(fn: (database: DatabaseHandle) => Promise<T>): Promise<T> {
    const database = await deps.open();
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  }

  const withContext = <T>(fn: (ctx: AppContext) => Promise<T>) =>
    withDatabase(async (database) => {
      await migrateToLatest(database.db);
      return fn(createContext(config, database));
    });

  const userByEmail = async (ctx: AppContext, email: string) => {
    const user = await ctx.identity.findUserByEmail(email);
    if (!user) throw new Error(`no account with e-mail ${email}`);
    return user;
  };

  const program = new Command('srp')
    .description('Smart Region Platform administration')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => out(text.trimEnd()), writeErr: (text) => out(text.trimEnd()) });

  program
    .command('migrate')
    .description('Bring the database schema up to date')
    .action(async () => {
      const applied = await withDatabase((database) => migrateToLatest(database.db));
      out(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    });

  program
    .command('seed-demo')
    .description('Seed the demo region Südkreis (with --second-region also Kinzigtal-Spessart)')
    .option('--second-region', 'also seed the second demo region', false)
    .action(async (options: { secondRegion: boolean }) => {
      const created = await withContext((ctx) => seedDemo(ctx, { secondRegion: options.secondRegion }));
      out(created.length ? `seeded: ${created.join(', ')}` : 'demo data exists already');
    });

  program
    .command('list-municipalities')
    .description('Regions and municipalities with their slugs')
    .action(async () => {
      const regions = await withContext((ctx) => ctx.tenancy.publicRegions());
      for (const r of regions) {
        out(`${r.name} (${r.slug})`);
        for (const m of r.municipalities)
          out(`  ${m.slug.padEnd(24)} ${m.name}${m.ags ? `  AGS ${m.ags}` : ''}`);
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
      out(`created ${user.email} (${user.id})`);
      if (!options.password) out(`password (shown only now): ${password}`);
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
        const user = await userByEmail(ctx, options.email);
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
      out(
        `granted ${options.role}${options.municipality ? ` in ${options.municipality}` : ''} to ${options.email}`,
      );
    });

  program
    .command('create-api-key')
    .description('Create an API key (or app password) for an account; the secret is printed once')
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
          const user = await userByEmail(ctx, options.email);
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
        out(`${options.appPassword ? 'app password' : 'API key'} (shown only now): ${secret}`);
      },
    );

  return program;
}

/** Runs one CLI invocation and returns the exit code instead of exiting. */
export async function runCli(argv: string[], deps: CliDeps, err: (line: string) => void): Promise<number> {
  try {
    await createCli(deps).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isAppError(error)) err(`${error.code}: ${error.message}`);
    else err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : String(error));
    process.exit(1);
  }
  const deps: CliDeps = {
    config,
    open: () => openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 }),
    out: (line) => console.log(line),
  };
  process.exitCode = await runCli(process.argv.slice(2), deps, (line) => console.error(line));
}
