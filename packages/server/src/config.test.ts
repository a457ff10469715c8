import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './config.js';

test('an empty environment gives a working development setup', () => {
  const config = parseConfig({});
  assert.equal(config.PORT, 3000);
  assert.equal(config.DATABASE_URL, undefined);
  assert.equal(config.DATA_DIR, path.resolve('./data'));
  assert.equal(config.PUBLIC_URL, 'http://localhost:3000');
  assert.equal(config.cookieSecure, false);
  assert.equal(config.DEMO_SEED, true);
});

test('strings from the environment are converted to numbers and booleans', () => {
  const config = parseConfig({
    PORT: '8080',
    TRUST_PROXY: 'true',
    DEMO_SEED: 'false',
    SESSION_TTL_HOURS: '2',
  });
  assert.equal(config.PORT, 8080);
  assert.equal(config.TRUST_PROXY, true);
  assert.equal(config.DEMO_SEED, false);
  assert.equal(config.SESSION_TTL_HOURS, 2);
});

test('https public URLs make cookies Secure; production turns the demo off unless asked', () => {
  const config = parseConfig({ PUBLIC_URL: 'https://region.example/', NODE_ENV: 'production' });
  assert.equal(config.PUBLIC_URL, 'https://region.example');
  assert.equal(config.cookieSecure, true);
  assert.equal(config.DEMO_SEED, false);
  assert.equal(parseConfig({ NODE_ENV: 'production', DEMO_SEED: 'true' }).DEMO_SEED, true);
});

test('every problem is listed at once', () => {
  try {
    parseConfig({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      OIDC_ISSUER: 'https://login.example',
      ADMIN_PASSWORD: 'short',
    });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const text = error.problems.join('\n');
    for (const key of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'OIDC_ISSUER', 'ADMIN_PASSWORD'])
      assert.match(text, new RegExp(key));
    assert.ok(error.problems.length >= 5);
  }
});

test('empty values count as unset', () => {
  assert.equal(parseConfig({ DATABASE_URL: '', PORT: '' }).PORT, 3000);
});

test('the online-services master key is 32 bytes in base64', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  assert.equal(parseConfig({ EGOV_ENCRYPTION_KEY: key }).EGOV_ENCRYPTION_KEY, key);
  assert.throws(() => parseConfig({ EGOV_ENCRYPTION_KEY: 'too-short' }), ConfigError);
});
