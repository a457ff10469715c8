import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../config.js';
import { guestName } from './meetings.signalling.js';
import { iceServersFor, turnCredentials } from './turn.js';

const NOW = new Date(1_700_000_000_000);

test('TURN credentials follow coturn REST API: expiry:user and base64 HMAC-SHA1 of it', () => {
  const creds = turnCredentials('north-sea-shared-secret', 'user-1', 3600, NOW);
  assert.equal(creds.username, '1700003600:user-1');
  // Computed independently: printf '1700003600:user-1' | openssl dgst -sha1 -hmac <secret> -binary | base64
  assert.equal(creds.credential, 'cdQ6H5knFi3++WK/djN1ye22nhE=');
  assert.equal(creds.expiresAt.toISOString(), '2023-11-14T23:13:20.000Z');
});

test('ICE servers: STUN without credentials, TURN with fresh ones, nothing without a secret', () => {
  const urls = ['stun:turn.example:3478', 'turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'];
  const servers = iceServersFor({ urls, secret: 'north-sea-shared-secret', ttlSeconds: 60 }, 'u', NOW);
  assert.deepEqual(servers[0], { urls: ['stun:turn.example:3478'] });
  assert.deepEqual(servers[1]?.urls, urls.slice(1));
  assert.equal(servers[1]?.username, '1700000060:u');
  assert.deepEqual(iceServersFor({ urls: urls.slice(1), secret: undefined, ttlSeconds: 60 }, 'u', NOW), []);
});

test('meeting settings: default mesh of 6; TURN URLs need the secret, relay-only needs TURN', () => {
  const config = parseConfig({});
  assert.equal(config.MEETING_MAX_PARTICIPANTS, 6);
  assert.equal(config.MEETING_RELAY_ONLY, false);
  assert.equal(parseConfig({ MEETING_MAX_PARTICIPANTS: '4' }).MEETING_MAX_PARTICIPANTS, 4);
  assert.throws(() => parseConfig({ TURN_URLS: 'turn:127.0.0.1:3478' }), ConfigError);
  assert.throws(() => parseConfig({ MEETING_RELAY_ONLY: 'true' }), ConfigError);
  assert.throws(() => parseConfig({ MEETING_MAX_PARTICIPANTS: '1' }), ConfigError);
});

test('guest names are trimmed, printable and at most 60 characters', () => {
  assert.equal(guestName('  Frau Müller '), 'Frau Müller');
  assert.equal(guestName('a\u0000b\nc'), 'abc');
  assert.equal(guestName(''), null);
  assert.equal(guestName(null), null);
  assert.equal(guestName('x'.repeat(61)), null);
});
