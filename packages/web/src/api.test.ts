import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ApiError, api, setCsrfToken } from './api.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  setCsrfToken(null);
});

/** Replaces fetch with one that records the request and answers with `response`. */
function answerWith(response: Response): { headers: () => Headers; method: () => string | undefined } {
  let seen: RequestInit | undefined;
  globalThis.fetch = (_input: string | URL | Request, init?: RequestInit) => {
    seen = init;
    return Promise.resolve(response);
  };
  return { headers: () => new Headers(seen?.headers), method: () => seen?.method };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

void test('state-changing requests carry the CSRF token, reads do not', async () => {
  setCsrfToken('token-1');
  const post = answerWith(new Response(null, { status: 204 }));
  assert.equal(await api.post<void>('/api/auth/logout'), undefined);
  assert.equal(post.headers().get('x-csrf-token'), 'token-1');

  const get = answerWith(json(200, { ok: true }));
  assert.deepEqual(await api.get('/api/auth/session'), { ok: true });
  assert.equal(get.headers().get('x-csrf-token'), null);
});

void test('no CSRF header while there is no session token', async () => {
  const post = answerWith(json(202, {}));
  await api.post('/api/auth/password-reset/request', { email: 'a@b.example' });
  assert.equal(post.headers().get('x-csrf-token'), null);
  assert.equal(post.headers().get('content-type'), 'application/json');
});

void test("the server's error shape becomes an ApiError with code, request id and Retry-After", async () => {
  answerWith(
    json(
      429,
      { error: { code: 'too_many_requests', message: 'Slow down', requestId: 'req-7' } },
      { 'retry-after': '90' },
    ),
  );
  await assert.rejects(api.post('/api/auth/login', { email: 'a@b.example', password: 'x' }), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'too_many_requests');
    assert.equal(error.message, 'Slow down');
    assert.equal(error.requestId, 'req-7');
    assert.equal(error.retryAfterSeconds, 90);
    return true;
  });
});

void test('a non-JSON error page still gives a typed error', async () => {
  answerWith(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
  await assert.rejects(api.get('/api/public/regions'), { name: 'ApiError', status: 502, code: 'http_502' });
});

void test('an unreachable server is a network_error with status 0', async () => {
  globalThis.fetch = () => Promise.reject(new TypeError('Failed to fetch'));
  await assert.rejects(api.get('/api/auth/session'), { name: 'ApiError', status: 0, code: 'network_error' });
});
