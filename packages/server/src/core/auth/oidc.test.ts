import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFromClaims, safeNextPath } from './oidc.service.js';

test('only same-site paths are kept as the place to return to after single sign-on', () => {
  for (const kept of ['/', '/dienste', '/dienste/meldung?art=laterne&x=1', '/konto#daten', '/a//b']) {
    assert.equal(safeNextPath(kept), kept);
  }
  for (const refused of [
    undefined,
    null,
    '',
    'dienste',
    '//evil.example',
    '//evil.example/path',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/' + 'x'.repeat(1000),
  ]) {
    assert.equal(safeNextPath(refused), '/', JSON.stringify(refused));
  }
});

test('the profile takes what the provider says, with sensible fallbacks', () => {
  const issuer = 'https://id.example';
  assert.deepEqual(
    profileFromClaims(issuer, {
      sub: 'abc',
      email: ' ana@example.org ',
      email_verified: true,
      name: 'Ana Beispiel',
      locale: 'en-GB',
    }),
    {
      issuer,
      subject: 'abc',
      email: 'ana@example.org',
      emailVerified: true,
      displayName: 'Ana Beispiel',
      locale: 'en',
    },
  );
  const sparse = profileFromClaims(issuer, {
    sub: 'x',
    given_name: 'Bo',
    family_name: 'Beispiel',
    email_verified: 'true',
  });
  assert.equal(sparse.displayName, 'Bo Beispiel');
  assert.equal(sparse.email, null);
  assert.equal(sparse.emailVerified, true);
  assert.equal(sparse.locale, 'de');
  assert.equal(profileFromClaims(issuer, { sub: 'y', preferred_username: 'cee' }).displayName, 'cee');
  assert.equal(profileFromClaims(issuer, { sub: 'z', email_verified: 'yes' }).emailVerified, false);
  assert.equal(profileFromClaims(issuer, { sub: 'z' }).displayName, null);
});
