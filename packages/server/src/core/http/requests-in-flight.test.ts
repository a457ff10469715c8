import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import { RequestsInFlight } from './requests-in-flight.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('a request counts from its arrival until its answer starts; a stream, also a hijacked one, no longer once it runs', async (t) => {
  const inFlight = new RequestsInFlight();
  const app = Fastify({ forceCloseConnections: true });
  inFlight.register(app);
  const working = deferred();
  const finish = deferred();
  app.get('/work', async () => {
    working.resolve();
    await finish.promise;
    return { ok: true };
  });
  const live = new Readable({ read() {} });
  app.get('/live', (_request, reply) => reply.type('text/event-stream').send(live));
  // Live updates written to the raw response (as the dashboard's stream does).
  app.get('/hijacked', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write('data: 2\n\n');
  });
  app.get('/fails', () => {
    throw new Error('broken');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  assert.equal(inFlight.count, 0);
  const answer = fetch(`${base}/work`);
  await working.promise;
  assert.equal(inFlight.count, 1);
  finish.resolve();
  assert.deepEqual(await (await answer).json(), { ok: true });
  assert.equal(inFlight.count, 0);

  // A live stream waits on its client: once its first bytes are out it does not count.
  live.push('data: 1\n\n');
  const stream = await fetch(`${base}/live`);
  const reader = stream.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value as Uint8Array), 'data: 1\n\n');
  assert.equal(inFlight.count, 0);
  await reader.cancel();
  live.push(null);
  const hijacked = await fetch(`${base}/hijacked`);
  const hijackedReader = hijacked.body!.getReader();
  assert.equal(new TextDecoder().decode((await hijackedReader.read()).value as Uint8Array), 'data: 2\n\n');
  assert.equal(inFlight.count, 0);
  await hijackedReader.cancel();

  assert.equal((await fetch(`${base}/fails`)).status, 500);
  assert.equal(inFlight.count, 0);
});
