// Meeting rooms and their signalling socket end to end: the REST API, then real WebSocket clients that
// join, relay signals, knock at a locked room, get admitted or denied, hit the mesh limit, and misbehave.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { ClubsRepository } from '../clubs.repository.js';
import { MAX_MESSAGE_BYTES, SIGNALLING_PATH } from './meetings.signalling.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null, env: { MEETING_MAX_PARTICIPANTS: '3' } });
});
after(() => server.close());

interface Message {
  type: string;
  [key: string]: unknown;
}

/** A signalling client that queues what it receives, so a test can wait for the next message of a type. */
class Peer {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  async next(type: string): Promise<Message> {
    for (;;) {
      const index = this.messages.findIndex((m) => m.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }
}

function socketUrl(query: Record<string, string>): string {
  return `${server.url.replace('http', 'ws')}${SIGNALLING_PATH}?${new URLSearchParams(query).toString()}`;
}

async function join(query: Record<string, string>, client?: TestClient, origin?: string): Promise<Peer> {
  const headers: Record<string, string> = {};
  if (client?.cookie) headers.cookie = client.cookie;
  if (origin) headers.origin = origin;
  const socket = new WebSocket(socketUrl(query), { headers });
  const peer = new Peer(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return peer;
}

/** The HTTP status with which the server refuses to open the socket. */
function refusedWith(query: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(socketUrl(query), { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the socket opened')));
    socket.once('error', () => undefined);
  });
}

async function setUp() {
  const { club, admin } = await createTestClub(server.ctx);
  const clubs = new ClubsRepository(server.ctx.db);
  const members = await Promise.all(
    [1, 2, 3].map(async () => {
      const user = await createTestUser(server.ctx.db);
      await clubs.addMember(club.id, user.id, 'member');
      return loggedInClient(server.url, user.email, TEST_PASSWORD);
    }),
  );
  const host = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  return { club, host, members };
}

test('rooms: admins create and delete, members list and cannot manage, strangers see nothing', async () => {
  const { club, host, members } = await setUp();
  const created = await host.post<{ id: string; url: string; participants: number }>(
    `/api/clubs/${club.id}/meetings`,
    { name: 'Vorstand', waitingRoom: true },
  );
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.url, new RegExp(`/treffen/${created.body.id}$`));
  const member = members[0]!;
  const listed = await member.get<{ rooms: { id: string }[]; mayManage: boolean; maxParticipants: number }>(
    `/api/clubs/${club.id}/meetings`,
  );
  assert.deepEqual(
    listed.body.rooms.map((r) => r.id),
    [created.body.id],
  );
  assert.equal(listed.body.mayManage, false);
  assert.equal(listed.body.maxParticipants, 3);
  assert.equal((await member.post(`/api/clubs/${club.id}/meetings`, { name: 'Eigener' })).status, 403);
  const info = await member.get<{ name: string; host: boolean }>(`/api/meetings/${created.body.id}`);
  assert.equal(info.body.name, 'Vorstand');
  assert.equal(info.body.host, false);

  const stranger = await createTestUser(server.ctx.db);
  const outsider = await loggedInClient(server.url, stranger.email, TEST_PASSWORD);
  assert.equal((await outsider.get(`/api/clubs/${club.id}/meetings`)).status, 404);
  assert.equal((await outsider.get(`/api/meetings/${created.body.id}`)).status, 404);
  assert.equal(await refusedWith({ room: created.body.id }, { cookie: outsider.cookie! }), 404);
  assert.equal(await refusedWith({ room: created.body.id }), 401);
  assert.equal(
    await refusedWith({ room: created.body.id }, { cookie: host.cookie!, origin: 'https://evil.example' }),
    403,
  );

  const inRoom = await join({ room: created.body.id }, host);
  await inRoom.next('welcome');
  assert.equal((await host.delete(`/api/clubs/${club.id}/meetings/${created.body.id}`)).status, 204);
  await inRoom.next('room-closed');
  assert.equal((await inRoom.closed).code, 4004);
  assert.equal((await member.get(`/api/meetings/${created.body.id}`)).status, 404);
});

test('signalling: join, relay offers and candidates, lock and admit, guests knock and are denied, mesh limit', async () => {
  const { club, host, members } = await setUp();
  const room = (await host.post<{ id: string }>(`/api/clubs/${club.id}/meetings`, { name: 'Training' })).body;

  const h = await join({ room: room.id }, host);
  const welcome = await h.next('welcome');
  assert.equal((welcome.self as { host: boolean }).host, true);
  assert.deepEqual(welcome.peers, []);
  assert.equal(welcome.maxParticipants, 3);

  const a = await join({ room: room.id }, members[0]);
  const aWelcome = await a.next('welcome');
  const aId = (aWelcome.self as { id: string }).id;
  const hostId = (welcome.self as { id: string }).id;
  assert.deepEqual(
    (aWelcome.peers as { id: string }[]).map((p) => p.id),
    [hostId],
  );
  assert.equal(((await h.next('peer-joined')).peer as { id: string }).id, aId);

  a.send({ type: 'signal', to: hostId, description: { type: 'offer', sdp: 'v=0\r\n' } });
  a.send({
    type: 'signal',
    to: hostId,
    candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  });
  const offer = await h.next('signal');
  assert.equal(offer.from, aId);
  assert.deepEqual(offer.description, { type: 'offer', sdp: 'v=0\r\n' });
  assert.equal((await h.next('signal')).from, aId);
  a.send({ type: 'state', audio: true, video: false, screen: true });
  assert.deepEqual((await h.next('peer-state')).state, { audio: true, video: false, screen: true });

  // Members may not use host actions.
  a.send({ type: 'lock', locked: true });
  assert.equal((await a.next('error')).code, 'forbidden');

  // Locked: the next member knocks; the host sees them waiting and admits them.
  h.send({ type: 'lock', locked: true });
  assert.equal((await a.next('locked')).locked, true);
  const b = await join({ room: room.id }, members[1]);
  await b.next('waiting');
  b.send({ type: 'signal', to: hostId, description: { type: 'offer', sdp: 'x' } });
  assert.equal((await b.next('error')).code, 'not_admitted');
  let list = await h.next('waiting-list');
  while ((list.waiting as unknown[]).length === 0) list = await h.next('waiting-list');
  const bId = (list.waiting as { id: string }[])[0]!.id;
  h.send({ type: 'admit', peerId: bId });
  assert.equal(((await b.next('welcome')).peers as unknown[]).length, 2);

  // A guest with the link waits too; the room is full (3), so admitting fails with a clear error; deny.
  const link = await host.request<{ token: string }>(
    'PUT',
    `/api/clubs/${club.id}/meetings/${room.id}/guest-link`,
  );
  assert.equal(link.status, 200);
  assert.equal(await refusedWith({ room: room.id, gast: link.body.token }), 400, 'a guest needs a name');
  assert.equal(await refusedWith({ room: room.id, gast: 'wrong', name: 'Gast' }), 404);
  const guest = await join({ room: room.id, gast: link.body.token, name: 'Frau Gast' });
  await guest.next('waiting');
  list = await h.next('waiting-list');
  while ((list.waiting as unknown[]).length === 0) list = await h.next('waiting-list');
  const guestView = (list.waiting as { id: string; name: string; guest: boolean }[])[0]!;
  assert.equal(guestView.name, 'Frau Gast');
  assert.equal(guestView.guest, true);
  h.send({ type: 'admit', peerId: guestView.id });
  const full = await h.next('error');
  assert.equal(full.code, 'meeting_full');
  assert.equal(full.limit, 3);
  h.send({ type: 'deny', peerId: guestView.id });
  await guest.next('denied');
  assert.equal((await guest.closed).code, 4002);

  // Unlocked but full: a member is turned away with the limit.
  h.send({ type: 'lock', locked: false });
  const c = await join({ room: room.id }, members[2]);
  const turnedAway = await c.next('error');
  assert.equal(turnedAway.code, 'meeting_full');
  assert.equal((await c.closed).code, 4003);

  // The host asks to mute and removes; the others learn who left.
  h.send({ type: 'mute', peerId: bId });
  assert.equal((await b.next('mute-request')).type, 'mute-request');
  h.send({ type: 'remove', peerId: bId });
  await b.next('removed');
  assert.equal((await b.closed).code, 4001);
  assert.equal((await a.next('peer-left')).peerId, bId);
  assert.equal((await h.next('peer-left')).peerId, bId);
  a.send({ type: 'leave' });
  await a.closed;
  assert.equal((await h.next('peer-left')).peerId, aId);
  h.socket.close();
  await h.closed;
});

test('hostile clients: garbage, oversized and flooding sockets are cut off and the server keeps serving', async () => {
  const { club, host, members } = await setUp();
  const room = (await host.post<{ id: string }>(`/api/clubs/${club.id}/meetings`, { name: 'Offen' })).body;
  const h = await join({ room: room.id }, host);
  await h.next('welcome');

  const garbage = await join({ room: room.id }, members[0]);
  await garbage.next('welcome');
  garbage.send('{not json');
  assert.equal((await garbage.next('error')).code, 'invalid_message');
  garbage.send({ type: 'signal', to: 'x', description: { type: 'offer', sdp: 1 } });
  assert.equal((await garbage.next('error')).code, 'invalid_message');
  garbage.send({ type: 'signal', to: 'nobody', candidate: null });
  assert.equal((await garbage.next('error')).code, 'peer_gone');
  garbage.socket.send(Buffer.from([0, 1, 2]), { binary: true });
  assert.equal((await garbage.next('error')).code, 'invalid_message');

  const big = await join({ room: room.id }, members[1]);
  await big.next('welcome');
  big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
  assert.equal((await big.closed).code, 1009);

  const flood = await join({ room: room.id }, members[2]);
  await flood.next('welcome');
  for (let i = 0; i < 400; i++) flood.send({ type: 'state', audio: true, video: true, screen: false });
  assert.equal((await flood.closed).code, 1008);

  // Everyone else is unharmed: the host still relays and the HTTP API still answers.
  h.send({ type: 'lock', locked: true });
  assert.equal((await garbage.next('locked')).locked, true);
  assert.equal((await host.get(`/api/clubs/${club.id}/meetings`)).status, 200);
  garbage.socket.close();
  h.socket.close();
  await Promise.all([garbage.closed, h.closed]);
});
