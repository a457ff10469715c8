import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginPathFor, safeNextPath, ssoStartUrl } from './paths.js';

void test('safeNextPath keeps same-site paths', () => {
  assert.equal(safeNextPath('/verwaltung'), '/verwaltung');
  assert.equal(safeNextPath('/m/flieden?tab=kontakt'), '/m/flieden?tab=kontakt');
});

void test('safeNextPath refuses anything that could leave the site', () => {
  for (const next of [
    null,
    '',
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    'javascript:alert(1)',
  ]) {
    assert.equal(safeNextPath(next), '/', `next=${String(next)}`);
  }
});

void test('loginPathFor encodes the way back', () => {
  assert.equal(loginPathFor('/verwaltung?x=1&y=2'), '/anmelden?next=%2Fverwaltung%3Fx%3D1%26y%3D2');
});

void test('ssoStartUrl passes a same-site way back on, encoded', () => {
  assert.equal(
    ssoStartUrl('/api/auth/oidc/start', '/verwaltung?x=1&y=2'),
    '/api/auth/oidc/start?next=%2Fverwaltung%3Fx%3D1%26y%3D2',
  );
  assert.equal(
    ssoStartUrl('/api/auth/oidc/start?p=1', '/dashboard'),
    '/api/auth/oidc/start?p=1&next=%2Fdashboard',
  );
});

void test('ssoStartUrl leaves out anything that could leave the site, and the start page', () => {
  for (const next of [null, '/', '//evil.example/', 'https://evil.example/', '/\\evil.example']) {
    assert.equal(ssoStartUrl('/api/auth/oidc/start', next), '/api/auth/oidc/start', `next=${String(next)}`);
  }
});
