import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec-test-only';
const body = JSON.stringify({ id: '42', event: 'issue.created', data: { title: 'Schlagloch Hauptstraße' } });
const now = 1_790_000_000;

void test('a signature made with the secret verifies against the exact body', () => {
  const header = signWebhook(secret, body, now);
  assert.match(header, /^t=1790000000,v1=[0-9a-f]{64}$/);
  assert.equal(verifyWebhookSignature(secret, header, body, 300, now), true);
  assert.equal(verifyWebhookSignature(secret, header, Buffer.from(body), 300, now + 299), true);
});

void test('a wrong secret, a changed body or a changed timestamp fail', () => {
  const header = signWebhook(secret, body, now);
  assert.equal(verifyWebhookSignature('other-secret', header, body, 300, now), false);
  assert.equal(verifyWebhookSignature(secret, header, body.replace('42', '43'), 300, now), false);
  assert.equal(
    verifyWebhookSignature(secret, header.replace(`t=${now}`, `t=${now + 1}`), body, 300, now),
    false,
  );
});

void test('a signature older or newer than the tolerance fails (replay protection)', () => {
  const header = signWebhook(secret, body, now);
  assert.equal(verifyWebhookSignature(secret, header, body, 300, now + 301), false);
  assert.equal(verifyWebhookSignature(secret, header, body, 300, now - 301), false);
});

void test('missing or malformed headers fail instead of throwing', () => {
  for (const header of [undefined, null, '', 'v1=abc', `t=${now}`, `t=abc,v1=${'0'.repeat(64)}`, 'garbage']) {
    assert.equal(verifyWebhookSignature(secret, header, body, 300, now), false, String(header));
  }
});

void test('any of several v1 signatures may match, so secrets can be rotated', () => {
  const oldSignature = signWebhook('old-secret', body, now).split(',')[1];
  const header = `${signWebhook(secret, body, now)},${oldSignature}`;
  assert.equal(verifyWebhookSignature(secret, header, body, 300, now), true);
  assert.equal(verifyWebhookSignature('old-secret', header, body, 300, now), true);
});
