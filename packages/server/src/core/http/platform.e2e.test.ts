import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { TestClient } from '../../test-support/http.js';

let server: TestServer;
let client: TestClient;
before(async () => {
  server = await startTestServer({ webDist: null });
  client = new TestClient(server.url);
});
after(() => server.close());

describe('operations endpoints', () => {
  test('healthz and readyz answer ok', async () => {
    assert.deepEqual((await client.get('/healthz')).body, { status: 'ok' });
    const ready = await client.get<{ status: string; checks: Record<string, string> }>('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.checks.database, 'ok');
  });

  test('the OpenAPI document describes the API and the docs page is served', async () => {
    const doc = await client.get<{ openapi: string; paths: Record<string, unknown> }>('/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    for (const path of [
      '/api/auth/login',
      '/api/public/regions',
      '/api/municipalities/{municipalityId}/grants',
      '/api/audit',
    ]) {
      assert.ok(doc.body.paths[path], `${path} is documented`);
    }
    const page = await client.get('/api/docs/');
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger/i);
  });

  test('Prometheus metrics count requests by route template', async () => {
    await client.get('/api/public/municipalities/does-not-exist');
    const metrics = await client.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(
      metrics.text,
      /srp_http_request_duration_seconds_count\{method="GET",route="\/api\/public\/municipalities\/:slug",status="404"\} \d+/,
    );
  });

  test('security headers are set', async () => {
    const res = await client.get('/api/public/regions');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('bad input gets a 4xx with the error shape, never a 5xx', () => {
  const cases: {
    name: string;
    path?: string;
    body: string | Buffer;
    contentType?: string;
    status: number;
    code: string;
  }[] = [
    { name: 'malformed JSON', body: '{"email": "a@b.c", "password": ', status: 400, code: 'bad_request' },
    { name: 'empty body', body: '', status: 400, code: 'bad_request' },
    {
      name: 'wrong types',
      body: JSON.stringify({ email: 42, password: ['x'] }),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'unknown fields',
      body: JSON.stringify({ email: 'a@b.c', password: 'x', admin: true }),
      status: 400,
      code: 'validation_failed',
    },
    { name: 'missing fields', body: JSON.stringify({}), status: 400, code: 'validation_failed' },
    {
      name: 'broken UTF-8',
      body: Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'NUL characters',
      body: JSON.stringify({ email: 'a\u0000@b.c', password: 'x' }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'prototype poisoning',
      body: '{"email":"a@b.c","password":"x","__proto__":{"admin":true}}',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'wrong content type',
      body: 'email=a',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'oversized body',
      body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'deeply nested JSON',
      body: '['.repeat(5000) + ']'.repeat(5000),
      status: 400,
      code: 'validation_failed',
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const res = await client.request<{ error: { code: string; message: string; requestId: string } }>(
        'POST',
        c.path ?? '/api/auth/login',
        {
          body: c.body,
          headers: { 'content-type': c.contentType ?? 'application/json' },
        },
      );
      assert.equal(res.status, c.status, res.text);
      assert.equal(res.body.error.code, c.code);
      assert.ok(res.body.error.requestId);
      assert.doesNotMatch(res.text, /at .*\.(ts|js):\d+/, 'no stack trace');
    });
  }

  test('SQL-ish strings are just text', async () => {
    const res = await client.post<{ error: { code: string } }>('/api/auth/login', {
      email: "' or 1=1; drop table users; --",
      password: "'; select pg_sleep(10); --",
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'invalid_credentials');
    assert.equal((await client.get('/api/public/municipalities/%27%20or%201%3D1--')).status, 404);
  });

  test('malformed ids in paths are a validation error', async () => {
    const res = await client.get<{ error: { code: string } }>('/api/municipalities/not-a-uuid/org-units');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'validation_failed');
  });

  test('unknown routes answer with the error shape', async () => {
    const res = await client.get<{ error: { code: string } }>('/api/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });
});
