// The multipart/mixed batch parser on its own: the standard's example shape, and a small fuzz run that
// cuts and mutates a valid body; every outcome must be items or a 400, never another error or a hang.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../core/errors.js';
import { boundaryOf, parseMultipart, renderMultipart } from './multipart.js';

const BODY = [
  '--batch_1',
  'Content-Type: application/http',
  '',
  'GET Things(1)?$select=name HTTP/1.1',
  'Host: localhost',
  '',
  '',
  '--batch_1',
  'Content-Type: multipart/mixed;boundary=changeset_1',
  '',
  '--changeset_1',
  'Content-Type: application/http',
  'Content-ID: 1',
  '',
  'POST Things HTTP/1.1',
  'Content-Type: application/json',
  '',
  '{"name":"New","description":"Thing"}',
  '--changeset_1',
  'Content-Type: application/http',
  'Content-ID: 2',
  '',
  'POST $1/Datastreams HTTP/1.1',
  '',
  '{"Sensor":{"@iot.id":"$s"}}',
  '--changeset_1--',
  '--batch_1--',
].join('\r\n');

describe('multipart batch parser', () => {
  test('reads requests, change sets and Content-IDs', () => {
    const { items, contentIds } = parseMultipart('multipart/mixed; boundary=batch_1', BODY);
    assert.deepEqual(
      items.map((i) => [i.method, i.url, i.atomicityGroup ?? null, i.body ?? null]),
      [
        ['GET', 'Things(1)?$select=name', null, null],
        ['POST', 'Things', 'changeset 1', { name: 'New', description: 'Thing' }],
        ['POST', '$1/Datastreams', 'changeset 1', { Sensor: { '@iot.id': '$s' } }],
      ],
    );
    assert.equal(items[1]!.id, '1');
    assert.equal(contentIds.get('2'), '2');
    assert.equal(boundaryOf('multipart/mixed; boundary="a b"'), 'a b');
  });

  test('answers nest a successful change set and keep Content-IDs', () => {
    const batch = parseMultipart('multipart/mixed;boundary=batch_1', BODY.replaceAll('\r\n', '\n'));
    const { contentType, body } = renderMultipart(batch, [
      { id: batch.items[0]!.id, status: 200, body: { name: 'x' } },
      { id: '1', status: 201, headers: { location: 'http://h/Things(5)' }, body: {} },
      { id: '2', status: 201, body: {} },
    ]);
    const outer = boundaryOf(contentType);
    assert.ok(body.startsWith(`--${outer}\r\nContent-Type: application/http\r\n`));
    assert.ok(body.endsWith(`--${outer}--\r\n`));
    assert.match(body, /Content-Type: multipart\/mixed; boundary=changesetresponse_/);
    assert.match(
      body,
      /Content-ID: 1\r\n\r\nHTTP\/1\.1 201 Created\r\nLocation: http:\/\/h\/Things\(5\)\r\n/,
    );
    assert.match(
      body,
      /HTTP\/1\.1 200 OK\r\nContent-Type: application\/json; charset=utf-8\r\n\r\n\{"name":"x"\}/,
    );
  });

  test('fuzz: cut and mutated bodies give items or a 400', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['-', '\r', '\n', ':', ' ', '"', 'x', '--batch_1', '--changeset_1--', '\r\n\r\n'];
    let rejected = 0;
    for (let round = 0; round < 2000; round++) {
      let body = BODY.slice(0, random(BODY.length + 1));
      if (round % 2) {
        const chars = [...BODY];
        for (let k = 0; k < 1 + random(5); k++)
          chars[random(chars.length)] = alphabet[random(alphabet.length)]!;
        body = chars.join('');
      }
      try {
        parseMultipart('multipart/mixed;boundary=batch_1', body);
      } catch (error) {
        assert.ok(error instanceof AppError && error.status === 400, String(error));
        rejected++;
      }
    }
    assert.ok(rejected > 1000, 'most damaged bodies are rejected');
  });
});
