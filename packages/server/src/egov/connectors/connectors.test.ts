import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimumRetryWindowMs, maskedSettings } from './connector.service.js';
import { parseStatusUpdate } from './connector.routes.js';
import { attachmentId, signFitConnectCallback, verifyFitConnectCallback } from './fit-connect.connector.js';
import { renderXmlTemplate, validateAgainstXsd } from './xml.connector.js';

void test('a delivery keeps trying for more than a day before it becomes a dead letter', () => {
  assert.ok(minimumRetryWindowMs() > 24 * 60 * 60_000, `${minimumRetryWindowMs()} ms`);
});

void test('FIT-Connect callback HMAC: hex SHA-512 over "<timestamp>.<body>", at most two minutes old', () => {
  const body = '{"submissionId":"s-1","event":"accept-submission"}';
  const now = 1_800_000_000;
  const sign = (t: number) => ({
    authentication: signFitConnectCallback('geheim', String(t), body),
    timestamp: String(t),
  });
  assert.equal(sign(now).authentication.length, 128);
  assert.equal(verifyFitConnectCallback('geheim', sign(now), body, now), true);
  assert.equal(verifyFitConnectCallback('geheim', sign(now - 119), body, now), true);
  assert.equal(verifyFitConnectCallback('geheim', sign(now - 121), body, now), false);
  assert.equal(verifyFitConnectCallback('anders', sign(now), body, now), false);
  assert.equal(verifyFitConnectCallback('geheim', sign(now), body + ' ', now), false);
  assert.equal(verifyFitConnectCallback('geheim', { ...sign(now), timestamp: `${now}.5` }, body, now), false);
  assert.equal(
    verifyFitConnectCallback('geheim', { authentication: 'zz', timestamp: String(now) }, body, now),
    false,
  );
});

void test('attachment ids are UUIDs, stable per delivery and position', () => {
  const id = attachmentId('d-1', 0);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(attachmentId('d-1', 0), id);
  assert.notEqual(attachmentId('d-1', 1), id);
});

void test('XML templates escape every value; the XSD decides what is valid', async () => {
  const xml = renderXmlTemplate('<a x="{{data.q}}">{{data.name}}{{missing.value}}</a>', {
    data: { name: '<b>&', q: '"' },
  });
  assert.equal(xml, '<a x="&quot;">&lt;b&gt;&amp;</a>');
  const xsd = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:int"/></xs:schema>`;
  assert.deepEqual(await validateAgainstXsd('<a>5</a>', xsd), []);
  assert.ok((await validateAgainstXsd('<a>fünf</a>', xsd)).length > 0);
});

void test('status callbacks: our shape or FIT-Connect names; secrets are masked for staff', () => {
  assert.deepEqual(
    parseStatusUpdate('{"submissionId":"s","event":"reject-submission","reason":"unvollständig"}'),
    {
      remoteId: 's',
      status: 'reject-submission',
      message: 'unvollständig',
    },
  );
  assert.throws(() => parseStatusUpdate('{"remoteId":"s","status":"DROP TABLE"}'), {
    code: 'validation_failed',
  });
  assert.throws(() => parseStatusUpdate('nope'), { code: 'bad_request' });
  assert.deepEqual(maskedSettings({ url: 'u', secret: 's', callbackSecret: 'c', accessToken: '' }), {
    url: 'u',
    secret: '••••••',
    callbackSecret: '••••••',
    accessToken: '',
  });
});
