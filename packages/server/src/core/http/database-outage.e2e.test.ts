// A database that goes away makes /readyz fail and requests fail cleanly with 503; when it returns, the
// server recovers without a restart. Needs a PostgreSQL server (TEST_DATABASE_URL): PGlite lives inside
// the process and cannot go away on its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CuttableProxy } from '../../test-support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { TestClient } from '../../test-support/http.js';
import { waitFor } from '../../test-support/wait.js';

const databaseUrl = process.env.TEST_DATABASE_URL;

if (!databaseUrl) {
  console.log('database-outage: TEST_DATABASE_URL not set, the outage test runs only against PostgreSQL');
} else {
  const target = new URL(databaseUrl);
  const proxy = new CuttableProxy(target.hostname, Number(target.port || 5432));
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    const port = await proxy.start();
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    server = await startTestServer({
      webDist: null,
      ownDatabase: true,
      env: { DATABASE_URL: viaProxy.toString() },
    });
    client = new TestClient(server.url);
  });
  after(async () => {
    await server?.close();
    await proxy.cut();
  });

  test('the platform reports the outage, answers 503 and recovers by itself', async () => {
    assert.equal((await client.get('/readyz')).status, 200);
    assert.equal((await client.get('/api/public/regions')).status, 200);

    await proxy.cut();
    const ready = await client.get<{ status: string }>('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'unavailable');
    const regions = await client.get<{ error: { code: string } }>('/api/public/regions');
    assert.equal(regions.status, 503);
    assert.equal(regions.body.error.code, 'unavailable');
    const login = await client.post<{ error: { code: string } }>('/api/auth/login', {
      email: 'a@b.c',
      password: 'x',
    });
    assert.equal(login.status, 503);
    assert.equal((await client.get('/healthz')).status, 200, 'the process itself is alive');

    await proxy.restore();
    await waitFor('readiness after the outage', async () =>
      (await client.get('/readyz')).status === 200 ? true : undefined,
    );
    assert.equal((await client.get('/api/public/regions')).status, 200);
  });
}
