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

test('MQTT: embedded broker on 1883 by default, external broker settings checked', () => {
  const config = parseConfig({});
  assert.equal(config.MQTT_ENABLED, true);
  assert.equal(config.MQTT_PORT, 1883);
  assert.equal(config.MQTT_URL, undefined);
  assert.equal(parseConfig({ MQTT_PORT: '0', MQTT_ENABLED: 'false' }).MQTT_PORT, 0);
  // Only a port the operator chose must be free; the default gives way to a local broker.
  assert.equal(config.mqttPortChosen, false);
  assert.equal(parseConfig({ MQTT_PORT: '1884' }).mqttPortChosen, true);
  assert.equal(parseConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883' }).MQTT_TOPIC_PREFIX, 'srp');
  assert.throws(() => parseConfig({ MQTT_URL: 'http://broker' }), ConfigError);
  assert.throws(() => parseConfig({ MQTT_TOPIC_PREFIX: 'a/#' }), ConfigError);
});

test('VAPID keys for Web Push come as a pair', () => {
  assert.throws(() => parseConfig({ VAPID_PUBLIC_KEY: 'B'.repeat(87) }), ConfigError);
  const config = parseConfig({
    VAPID_PUBLIC_KEY: 'B'.repeat(87),
    VAPID_PRIVATE_KEY: 'a'.repeat(43),
    VAPID_SUBJECT: 'mailto:rathaus@example.org',
  });
  assert.equal(config.VAPID_SUBJECT, 'mailto:rathaus@example.org');
  assert.equal(parseConfig({}).VAPID_PUBLIC_KEY, undefined);
});
test('SAML key and certificate come together; the test payment provider is off in production', () => {
  assert.throws(
    () => parseConfig({ SAML_SP_KEY_FILE: '/keys/sp.key' }),
    /SAML_SP_KEY_FILE and SAML_SP_CERT_FILE/,
  );
  assert.equal(parseConfig({}).PAYMENT_PROVIDER, 'test');
  assert.equal(parseConfig({ NODE_ENV: 'production' }).PAYMENT_PROVIDER, 'none');
  assert.equal(parseConfig({ NODE_ENV: 'production', PAYMENT_PROVIDER: 'test' }).PAYMENT_PROVIDER, 'test');
  assert.equal(parseConfig({}).SAML_LABEL, 'Mit BundID anmelden');
});
test('the dashboard map tile source is configurable and can be switched off', () => {
  assert.match(parseConfig({}).DASHBOARD_MAP_TILE_URL, /\{z\}/);
  assert.equal(parseConfig({ DASHBOARD_MAP_TILE_URL: 'none' }).DASHBOARD_MAP_TILE_URL, 'none');
  assert.throws(() => parseConfig({ DASHBOARD_MAP_TILE_URL: 'ftp://tiles' }), ConfigError);
});

test('participation limits have safe defaults and can be tuned', () => {
  const config = parseConfig({ PARTICIPATION_POSTS_PER_HOUR: '5' });
  assert.equal(config.PARTICIPATION_POSTS_PER_HOUR, 5);
  assert.equal(config.PARTICIPATION_MIN_FILL_SECONDS, 3);
  assert.equal(config.PARTICIPATION_PHOTO_MAX_MB, 8);
});

test('the online-services master key is 32 bytes in base64', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  assert.equal(parseConfig({ EGOV_ENCRYPTION_KEY: key }).EGOV_ENCRYPTION_KEY, key);
  assert.throws(() => parseConfig({ EGOV_ENCRYPTION_KEY: 'too-short' }), ConfigError);
});
