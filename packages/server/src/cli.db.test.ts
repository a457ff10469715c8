// The CLI commands in-process on the test database; cli.e2e.test.ts runs the real binary once.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from './config.js';
import { runCli, type CliDeps } from './cli.js';
import { testDatabase } from './test-support/db.js';
import { createTestTenant, uniqueSlug } from './test-support/factories.js';

const handle = await testDatabase();
after(() => handle.close());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    config: parseConfig({ DATA_DIR: '/nonexistent' }),
    // The shared test database stays open; the CLI's close() is a no-op here.
    open: async () => ({ ...handle, close: async () => undefined }),
    out: (line) => out.push(line),
  };
  const code = await runCli(argv, deps, (line) => err.push(line));
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('create a user, grant a role in another municipality, create an API key — all audited', async () => {
  const home = await createTestTenant(handle.db);
  const other = await createTestTenant(handle.db);
  const email = `${uniqueSlug('it')}@test.example`;

  const created = await cli(
    'create-user',
    '--email',
    email,
    '--name',
    'IT',
    '--municipality',
    home.municipality.slug,
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /password \(shown only now\): \S{20,}/);

  const granted = await cli(
    'grant',
    '--email',
    email,
    '--role',
    'caseworker',
    '--municipality',
    other.municipality.slug,
    '--reason',
    'Vertretung',
  );
  assert.equal(granted.code, 0, granted.stderr);
  const key = await cli(
    'create-api-key',
    '--email',
    email,
    '--label',
    'Import',
    '--scopes',
    'api,sensors:write',
    '--municipality',
    home.municipality.slug,
  );
  assert.match(key.stdout, /API key \(shown only now\): srpk_\S+/);
  const appPassword = await cli(
    'create-api-key',
    '--email',
    email,
    '--label',
    'DAV',
    '--scopes',
    'files',
    '--app-password',
  );
  assert.match(appPassword.stdout, /app password \(shown only now\): srpa_\S+/);

  const user = await handle.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  const entries = await handle.db
    .selectFrom('audit_log')
    .select(['action', 'details', 'actor_label'])
    .where('target_id', 'in', [user.id])
    .execute();
  assert.ok(entries.some((e) => e.action === 'user.created' && e.actor_label === 'cli'));
  const grants = await handle.db
    .selectFrom('audit_log')
    .select(['details'])
    .where('action', '=', 'grant.created')
    .where('municipality_id', '=', other.municipality.id)
    .execute();
  assert.equal(grants.length, 1);
  assert.equal(grants[0]!.details.substitution, true);
  const credentials = await handle.db
    .selectFrom('api_credentials')
    .select(['kind', 'scopes', 'municipality_id'])
    .where('user_id', '=', user.id)
    .orderBy('kind')
    .execute();
  assert.deepEqual(credentials, [
    { kind: 'api_key', scopes: ['api', 'sensors:write'], municipality_id: home.municipality.id },
    { kind: 'app_password', scopes: ['files'], municipality_id: null },
  ]);
});

test('mistakes give a clear message and a non-zero exit', async () => {
  const badRole = await cli('grant', '--email', 'x@test.example', '--role', 'emperor');
  assert.notEqual(badRole.code, 0);
  assert.match(badRole.stdout, /one of platform_admin/);
  const badScope = await cli(
    'create-api-key',
    '--email',
    'x@test.example',
    '--label',
    'x',
    '--scopes',
    'root',
  );
  assert.notEqual(badScope.code, 0);
  assert.match(badScope.stdout, /unknown scope\(s\) root/);
  const nobody = await cli(
    'grant',
    '--email',
    'nobody@test.example',
    '--role',
    'caseworker',
    '--municipality',
    'x',
  );
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /no account with e-mail nobody@test.example/);
  const noMunicipality = await cli(
    'create-user',
    '--email',
    `${uniqueSlug('a')}@test.example`,
    '--name',
    'A',
    '--municipality',
    'does-not-exist',
  );
  assert.equal(noMunicipality.code, 1);
  assert.match(noMunicipality.stderr, /not_found: Municipality not found/);
  const help = await cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /create-api-key/);
});
