import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestTenant, createTestUser } from '../../test-support/factories.js';
import { TestClient } from '../../test-support/http.js';
import { startSamlTestIdp, type SamlSpoilers, type SamlTestIdp } from '../../test-support/saml-test-idp.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let idp: SamlTestIdp;
let server: TestServer;
before(async () => {
  idp = await startSamlTestIdp();
  server = await startTestServer({ webDist: null, env: { SAML_IDP_METADATA: idp.metadataUrl } });
});
after(async () => {
  await server.close();
  await idp.close();
});

const MAIL = 'urn:oid:0.9.2342.19200300.100.1.3';
const GIVEN = 'urn:oid:2.5.4.42';
const SURNAME = 'urn:oid:2.5.4.4';

interface AcsForm {
  action: string;
  fields: Record<string, string>;
}

/** Login start → IdP (HTTP-Redirect) → the IdP's auto-submit form (HTTP-POST binding). */
async function throughIdp(client: TestClient, next = '/buergerservice'): Promise<AcsForm> {
  const start = await client.get(`/api/auth/saml/login?next=${encodeURIComponent(next)}`);
  assert.equal(start.status, 302, start.text);
  const location = new URL(start.headers.get('location')!);
  assert.equal(location.origin + location.pathname, idp.metadataUrl.replace('/metadata', '/sso'));
  assert.ok(location.searchParams.get('SAMLRequest'));
  const page = await fetch(location);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const action = /action="([^"]+)"/.exec(html)![1]!;
  const fields = Object.fromEntries(
    [...html.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]),
  );
  return { action, fields };
}

const postToAcs = (client: TestClient, form: AcsForm) =>
  client.request('POST', new URL(form.action).pathname, {
    body: new URLSearchParams(form.fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

async function loginAs(
  person: { nameId: string; attributes: Record<string, string> },
  spoil: SamlSpoilers = {},
) {
  idp.nextPerson = person;
  idp.spoil = spoil;
  const client = new TestClient(server.url);
  const form = await throughIdp(client);
  const answer = await postToAcs(client, form);
  idp.spoil = {};
  return { client, form, answer };
}

const uniquePerson = (email: string) => ({
  nameId: `bundid-${crypto.randomUUID()}`,
  attributes: { [MAIL]: email, [GIVEN]: 'Erika', [SURNAME]: 'Mustermann' },
});

test('providers and metadata: the login page offers BundID, the IdP gets our entity ID and ACS', async () => {
  const client = new TestClient(server.url);
  const providers = await client.get<{ saml: { label: string; startUrl: string } | null }>(
    '/api/auth/providers',
  );
  assert.deepEqual(providers.body.saml, { label: 'Mit BundID anmelden', startUrl: '/api/auth/saml/login' });
  const metadata = await client.get('/api/auth/saml/metadata');
  assert.equal(metadata.status, 200);
  assert.match(metadata.headers.get('content-type') ?? '', /samlmetadata\+xml/);
  assert.match(metadata.text, /entityID="http:\/\/localhost:\d+\/api\/auth\/saml\/metadata"/);
  assert.match(metadata.text, /AssertionConsumerService[^>]+HTTP-POST[^>]+\/api\/auth\/saml\/acs/);
});

test('a signed assertion logs a new citizen in and goes back to where the login began', async () => {
  const email = `erika-${crypto.randomUUID().slice(0, 8)}@example.org`;
  const person = uniquePerson(email);
  const { client, form, answer } = await loginAs(person);
  assert.equal(answer.status, 303, answer.text);
  assert.equal(answer.headers.get('location'), '/buergerservice');
  const session = await client.get<{ authenticated: boolean; user: { email: string; displayName: string } }>(
    '/api/auth/session',
  );
  assert.equal(session.body.user.email, email);
  assert.equal(session.body.user.displayName, 'Erika Mustermann');

  // The same response again (replay) is refused and does not log anybody in.
  const thief = new TestClient(server.url);
  const replay = await postToAcs(thief, form);
  assert.equal(replay.status, 303);
  assert.equal(replay.headers.get('location'), '/anmelden?fehler=sso');
  assert.equal(thief.cookie, null);

  // The same person again: the same account, found by the NameID.
  const again = await loginAs(person);
  assert.equal(again.answer.status, 303);
  const second = await again.client.get<{ user: { id: string } }>('/api/auth/session');
  const first = await client.get<{ user: { id: string } }>('/api/auth/session');
  assert.equal(second.body.user.id, first.body.user.id);
  const audit = await server.ctx.db
    .selectFrom('audit_log')
    .select(['action', 'actor_label'])
    .where('target_id', '=', first.body.user.id)
    .where('action', '=', 'auth.identity_linked')
    .execute();
  assert.equal(audit.length, 1);
  assert.match(audit[0]!.actor_label, /\(saml\)/);
});

const spoilers: [string, SamlSpoilers][] = [
  ['a signature by another key', { signWithOtherKey: true }],
  ['another audience', { audience: 'https://somebody-else.example/sp' }],
  ['an expired assertion', { validityShiftMs: -60 * 60_000 }],
  ['an assertion changed after signing', { alterAfterSigning: true }],
];
for (const [what, spoil] of spoilers) {
  test(`refused: ${what}`, async () => {
    const { client, answer } = await loginAs(
      uniquePerson(`x-${crypto.randomUUID().slice(0, 8)}@example.org`),
      spoil,
    );
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/anmelden?fehler=sso');
    assert.equal(client.cookie, null);
  });
}

test('refused: a used response under another RelayState, and an administrator is never linked by e-mail', async () => {
  const unsolicited = await loginAs(uniquePerson(`u-${crypto.randomUUID().slice(0, 8)}@example.org`));
  assert.equal(unsolicited.answer.status, 303);
  const forged = new TestClient(server.url);
  const form = { ...unsolicited.form, fields: { ...unsolicited.form.fields, RelayState: '_unknown' } };
  assert.equal((await postToAcs(forged, form)).headers.get('location'), '/anmelden?fehler=sso');

  const { municipality } = await createTestTenant(server.ctx.db);
  const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const { client, answer } = await loginAs(uniquePerson(admin.email));
  assert.equal(answer.headers.get('location'), '/anmelden?fehler=sso');
  assert.equal(client.cookie, null);
  const linked = await server.ctx.db
    .selectFrom('user_identities')
    .select('subject')
    .where('user_id', '=', admin.id)
    .execute();
  assert.deepEqual(linked, []);
});
