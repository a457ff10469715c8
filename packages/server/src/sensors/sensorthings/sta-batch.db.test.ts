// multipart/mixed $batch (OData 4.0 format of the SensorThings 1.1 examples, 18-088 §11.2) on the
// lane's database: GET parts, change sets with Content-ID references, rollback, malformed bodies.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { ROOT, staTenant, type StaClient } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

interface HttpPart {
  contentId?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Set for a nested change set answer. */
  changeset?: HttpPart[];
}

/** Reads a multipart/mixed answer back (independently of the server's writer). */
function readMultipart(contentType: string, text: string): HttpPart[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  assert.ok(boundary, `no boundary in ${contentType}`);
  const chunks = text.split(`--${boundary}`);
  assert.equal(chunks.at(-1)!.trim(), '--', 'the answer ends with the close delimiter');
  return chunks.slice(1, -1).map((chunk) => {
    const [head, ...rest] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
    const headers = Object.fromEntries(
      head!.split('\r\n').map((l) => [l.split(':')[0]!.toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const inner = rest.join('\r\n\r\n');
    if (headers['content-type']!.startsWith('multipart/mixed'))
      return { status: 0, headers, body: '', changeset: readMultipart(headers['content-type']!, inner) };
    assert.equal(headers['content-type'], 'application/http');
    const [statusAndHeaders, ...body] = inner.split('\r\n\r\n');
    const [statusLine, ...lines] = statusAndHeaders!.split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!);
    assert.ok(status, `status line ${statusLine}`);
    return {
      ...(headers['content-id'] ? { contentId: headers['content-id'] } : {}),
      status: Number(status[1]),
      headers: Object.fromEntries(
        lines.map((l) => [l.split(':')[0]!.toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      ),
      body: body.join('\r\n\r\n').replace(/\r\n$/, ''),
    };
  });
}

async function postBatch(client: StaClient, boundary: string, body: string, contentType?: string) {
  const res = await client.request<string>('POST', `${ROOT}/$batch`, {
    body,
    headers: { 'content-type': contentType ?? `multipart/mixed;boundary=${boundary}` },
  });
  return res;
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

const part = (request: string, contentId?: string, eol = '\r\n') =>
  ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
    .concat(contentId ? [`Content-ID: ${contentId}`] : [])
    .join(eol) +
  eol +
  eol +
  request.replace(/\n/g, eol) +
  eol;

const post = (url: string, json: unknown) =>
  `POST ${url} HTTP/1.1\nHost: localhost\nContent-Type: application/json\n\n${JSON.stringify(json)}`;

const sensor = {
  name: 'DS18B20',
  description: 'air temperature',
  encodingType: 'application/pdf',
  metadata: 'x',
};
const datastream = (extra: Record<string, unknown>) => ({
  name: 'Temperature',
  description: 'air temperature',
  unitOfMeasurement: { name: 'degree Celsius', symbol: '°C', definition: 'http://unitsofmeasure.org' },
  observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
  ObservedProperty: { name: 'Temperature', definition: 'https://example.org/t', description: 'd' },
  ...extra,
});

describe('multipart/mixed $batch', () => {
  test('a GET part, a change set with $1 references, a missing entity', async () => {
    const { staff } = await staTenant(server);
    const tag = `mp${Date.now().toString(36)}`;
    const thing = await staff.create('/Things', { name: `${tag}-0`, description: 'first' });
    const base = `${server.url}${ROOT}`;
    const body =
      'a preamble that is ignored\r\n' +
      '--batch_36522ad7\r\n' +
      part(`GET /v1.1/Things(${thing})?$select=name HTTP/1.1\nHost: localhost\n\n`) +
      '--batch_36522ad7\r\n' +
      'Content-Type: multipart/mixed;boundary=changeset_77162fcd\r\n\r\n' +
      '--changeset_77162fcd\r\n' +
      part(post('Things', { name: `${tag}-new`, description: 'made in a change set' }), '1') +
      '--changeset_77162fcd\r\n' +
      part(post('$1/Datastreams', datastream({ Sensor: sensor })), '2') +
      '--changeset_77162fcd\r\n' +
      part(post(`${base}/Datastreams`, datastream({ Thing: { '@iot.id': '$1' }, Sensor: sensor })), '3') +
      '--changeset_77162fcd\r\n' +
      part(
        `PATCH /sta/v1.1/Things(${thing}) HTTP/1.1\nContent-Type: application/json\n\n{"name":"${tag}-patched"}`,
        '4',
      ) +
      '--changeset_77162fcd--\r\n' +
      '--batch_36522ad7\r\n' +
      part(`GET Things(999999999) HTTP/1.1\n\n`) +
      '--batch_36522ad7\r\n' +
      part(`GET ${base}/Things?$count=true&$filter=startswith(name,%27${tag}%27)&$select=name HTTP/1.1\n\n`) +
      '--batch_36522ad7--\r\n';
    const res = await postBatch(staff, 'batch_36522ad7', body);
    assert.equal(res.status, 200, res.text);
    const parts = readMultipart(res.headers.get('content-type')!, res.text);
    assert.equal(parts.length, 4);

    assert.equal(parts[0]!.status, 200);
    assert.deepEqual(json(parts[0]!.body), { name: `${tag}-0` });

    const changeset = parts[1]!.changeset!;
    assert.deepEqual(
      changeset.map((p) => [p.contentId, p.status]),
      [
        ['1', 201],
        ['2', 201],
        ['3', 201],
        ['4', 200],
      ],
    );
    const created = json(changeset[0]!.body) as { '@iot.id': number };
    assert.equal(changeset[0]!.headers.location, `${base}/Things(${created['@iot.id']})`);
    const streams = await staff.list(`/Things(${created['@iot.id']})/Datastreams`);
    assert.equal(streams.body.value.length, 2, 'both Datastreams reference the new Thing');
    assert.equal(json(changeset[3]!.body).name, `${tag}-patched`);

    assert.equal(parts[2]!.status, 404);
    assert.equal(json(parts[2]!.body).code, 404);
    assert.equal(parts[3]!.status, 200);
    assert.equal(json(parts[3]!.body)['@iot.count'], 2, 'sees the change set committed');
  });

  test('a failing change set is rolled back and answered by its failing request only', async () => {
    const { staff } = await staTenant(server);
    const tag = `rb${Date.now().toString(36)}`;
    const thing = await staff.create('/Things', { name: `${tag}-0`, description: 'first' });
    // LF line ends and a quoted boundary.
    const eol = '\n';
    const body = [
      '--b 1',
      'Content-Type: multipart/mixed; boundary="cs"',
      '',
      '--cs',
      part(post('Things', { name: `${tag}-new`, description: 'x' }), 'a', eol),
      '--cs',
      part(`PATCH Things(${thing}) HTTP/1.1\n\n{"name":"${tag}-renamed"}`, 'b', eol),
      '--cs',
      part(post('Things', { name: `${tag}-no-description` }), 'c', eol),
      '--cs--',
      '--b 1',
      part(`GET Things(${thing}) HTTP/1.1\n`, undefined, eol),
      '--b 1--',
      '',
    ].join(eol);
    const res = await postBatch(staff, '', body, 'multipart/mixed; boundary="b 1"');
    assert.equal(res.status, 200, res.text);
    const parts = readMultipart(res.headers.get('content-type')!, res.text);
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.changeset, undefined, 'a failed change set has one answer');
    assert.equal(parts[0]!.status, 400);
    assert.equal(parts[0]!.contentId, 'c');
    assert.equal(parts[1]!.status, 200);
    assert.equal(json(parts[1]!.body).name, `${tag}-0`, 'the PATCH was rolled back');
    const list = await staff.list(`/Things?$filter=${encodeURIComponent(`startswith(name, '${tag}')`)}`);
    assert.equal(list.body.value.length, 1, 'the created Thing was rolled back');
  });

  test('bad parts fail on their own; malformed bodies are 400 and the server keeps answering', async () => {
    const { staff, anonymous } = await staTenant(server);
    const ok = await postBatch(
      staff,
      'b',
      '--b\r\n' +
        part('POST Things HTTP/1.1\nContent-Type: application/json\n\n{"name": ') +
        '--b\r\n' +
        part('GET Things?$top=1 HTTP/1.1\n') +
        '--b--',
    );
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(
      readMultipart(ok.headers.get('content-type')!, ok.text).map((p) => p.status),
      [400, 200],
    );
    const unauthenticated = await postBatch(
      anonymous,
      'b',
      '--b\r\n' + part(post('Things', sensor)) + '--b--',
    );
    assert.equal(unauthenticated.status, 200, unauthenticated.text);
    assert.deepEqual(
      readMultipart(unauthenticated.headers.get('content-type')!, unauthenticated.text).map((p) => p.status),
      [401],
    );

    const malformed: [string, string][] = [
      ['multipart/mixed', '--b\r\n' + part('GET Things HTTP/1.1\n') + '--b--'], // no boundary
      ['multipart/mixed;boundary=b', '--b\r\n' + part('GET Things HTTP/1.1\n')], // truncated
      ['multipart/mixed;boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nGET Thi'], // cut in a part
      ['multipart/mixed;boundary=b', 'no delimiter at all'],
      ['multipart/mixed;boundary=b', '--b\r\n' + part('FETCH Things HTTP/1.1\n') + '--b--'],
      ['multipart/mixed;boundary=b', '--b\r\n' + part('just words\n') + '--b--'],
      ['multipart/mixed;boundary=b', '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--'],
      ['multipart/mixed;boundary=b', '--b\r\nContent-Type: application/http\r\nGET Things HTTP/1.1\r\n--b--'],
      [
        'multipart/mixed;boundary=b',
        '--b\r\nContent-Type: multipart/mixed;boundary=c\r\n\r\n--c\r\n' +
          part('GET Things HTTP/1.1\n') +
          '--b--',
      ],
      [`multipart/mixed;boundary=${'x'.repeat(71)}`, `--${'x'.repeat(71)}--`],
    ];
    for (const [contentType, body] of malformed) {
      const res = await postBatch(staff, '', body, contentType);
      assert.equal(res.status, 400, `${contentType} ${JSON.stringify(body)}: ${res.text}`);
      assert.equal(json(res.text).type, 'error');
    }
    assert.equal((await staff.list('/Things?$top=1')).status, 200, 'the server still answers');
  });
});
