// WebRTC signalling for club meetings: a WebSocket at /api/meetings/signal on the platform's HTTP server,
// mounted like MQTT over WebSocket (a `ws` server without its own port, fed by the HTTP 'upgrade'
// event). The server relays offers, answers and ICE candidates between named peers of one room, keeps
// the room's live state (participants, waiting room, lock) and carries out the host's actions. Media
// never pass through it: peers connect to each other (a mesh) or through TURN.
//
// Live state is in this process's memory. Several instances need sticky sessions per room (or a shared
// bus between instances); see cloud/README.md.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { AppContext } from '../../context.js';
import { SESSION_COOKIE } from '../../core/auth/auth.plugin.js';
import type { MeetingRoom } from '../../core/db/schema.js';
import { Errors, isAppError } from '../../core/errors.js';
import { meetingsPolicy } from './meetings.policy.js';

export const SIGNALLING_PATH = '/api/meetings/signal';
/** A message larger than this closes the socket (1009); SDP of a few tracks is well below. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** At most this many people knock at one room at once. */
export const MAX_WAITING = 20;
/** Token bucket per socket: bursts of ICE candidates pass, floods close the socket (1008). */
const RATE_BURST = 200;
const RATE_PER_SECOND = 50;
/** Invalid messages are answered with an error; this many close the socket. */
const MAX_INVALID_MESSAGES = 20;
/** A client that does not read its messages is cut off instead of filling the server's memory. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Close codes the web page explains to the person. */
export const CloseCodes = {
  removed: 4001,
  denied: 4002,
  full: 4003,
  roomClosed: 4004,
} as const;

const PeerId = Type.String({ minLength: 1, maxLength: 64 });
const NullableString = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);
const strict = { additionalProperties: false } as const;
export const ClientMessage = Type.Union([
  Type.Object(
    {
      type: Type.Literal('signal'),
      to: PeerId,
      description: Type.Optional(
        Type.Object(
          { type: Type.Enum(['offer', 'answer']), sdp: Type.String({ maxLength: 60_000 }) },
          strict,
        ),
      ),
      candidate: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Object(
            {
              candidate: Type.String({ maxLength: 2048 }),
              sdpMid: Type.Optional(NullableString(64)),
              sdpMLineIndex: Type.Optional(
                Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()]),
              ),
              usernameFragment: Type.Optional(NullableString(256)),
            },
            strict,
          ),
        ]),
      ),
    },
    strict,
  ),
  Type.Object(
    { type: Type.Literal('state'), audio: Type.Boolean(), video: Type.Boolean(), screen: Type.Boolean() },
    strict,
  ),
  Type.Object({ type: Type.Enum(['admit', 'deny', 'remove', 'mute']), peerId: PeerId }, strict),
  Type.Object({ type: Type.Literal('lock'), locked: Type.Boolean() }, strict),
  Type.Object({ type: Type.Literal('leave') }, strict),
]);
export type ClientMessage = Static<typeof ClientMessage>;

interface MediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

interface Peer {
  id: string;
  name: string;
  host: boolean;
  guest: boolean;
  userId: string | null;
  socket: WebSocket;
  state: MediaState;
  admitted: boolean;
  alive: boolean;
  tokens: number;
  refilledAt: number;
  invalid: number;
}

interface LiveRoom {
  id: string;
  waitingRoom: boolean;
  locked: boolean;
  participants: Map<string, Peer>;
  waiting: Map<string, Peer>;
}

/** Who is knocking: decided from the session cookie or the guest token before the socket opens. */
export interface Admission {
  room: MeetingRoom;
  name: string;
  host: boolean;
  guest: boolean;
  userId: string | null;
}

export interface SignallingOptions {
  maxParticipants: number;
  relayOnly: boolean;
  /** Origins allowed to open the socket from a browser (besides the request's own host). */
  publicUrl: string;
}

const view = (peer: Peer) => ({
  id: peer.id,
  name: peer.name,
  host: peer.host,
  guest: peer.guest,
  state: peer.state,
});

export class MeetingHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  private readonly rooms = new Map<string, LiveRoom>();
  private readonly peers = new Map<WebSocket, Peer>();
  private server: Server | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly log: FastifyBaseLogger,
    private readonly options: SignallingOptions,
  ) {}

  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  close(): void {
    this.closed = true;
    this.server?.off('upgrade', this.onUpgrade);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
    this.rooms.clear();
  }

  /** People in the room right now (not counting the waiting room). */
  occupancy(roomId: string): number {
    return this.rooms.get(roomId)?.participants.size ?? 0;
  }

  /** The room was deleted: everyone in it and waiting for it is told and disconnected. */
  closeRoom(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    for (const peer of [...room.participants.values(), ...room.waiting.values()]) {
      this.send(peer, { type: 'room-closed' });
      peer.socket.close(CloseCodes.roomClosed, 'room closed');
    }
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== SIGNALLING_PATH) return;
    socket.on('error', () => socket.destroy());
    if (this.closed) return refuse(socket, 503, 'unavailable', 'Shutting down');
    if (!this.originAllowed(request)) return refuse(socket, 403, 'forbidden', 'Origin not allowed');
    this.authenticate(request, url).then(
      (admission) => {
        if (socket.destroyed || this.closed) return;
        this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, admission));
      },
      (error: unknown) => {
        if (isAppError(error)) return refuse(socket, error.status, error.code, error.message);
        this.log.error({ err: error }, 'meeting signalling: authentication failed');
        refuse(socket, 500, 'internal_error', 'Internal error');
      },
    );
  };

  /** Browsers always send Origin: only our own pages may use the visitor's cookie on this socket. */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (!origin) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    return parsed.origin === new URL(this.options.publicUrl).origin || parsed.host === request.headers.host;
  }

  private async authenticate(request: IncomingMessage, url: URL): Promise<Admission> {
    const roomId = url.searchParams.get('room') ?? '';
    if (!UUID.test(roomId)) throw Errors.notFound('Meeting room');
    const guestToken = url.searchParams.get('gast');
    if (guestToken) {
      const room = await this.ctx.meetings.forGuest(roomId, guestToken);
      const club = room ? await this.ctx.clubs.get(room.club_id) : null;
      if (!room || club?.status !== 'active') throw Errors.notFound('Meeting room');
      const name = guestName(url.searchParams.get('name'));
      if (!name) throw Errors.validation('A guest needs a name (1 to 60 characters)');
      return { room, name, host: false, guest: true, userId: null };
    }
    const token = sessionCookie(request.headers.cookie);
    const principal = token ? await this.ctx.auth.principalFromSession(token) : null;
    if (!principal) throw Errors.unauthenticated();
    const room = await this.ctx.meetings.byId(roomId);
    if (!room) throw Errors.notFound('Meeting room');
    const club = await this.ctx.clubs.get(room.club_id);
    const membership = await this.ctx.clubs.membership(club.id, principal.userId);
    if (!meetingsPolicy.mayJoin(club, membership)) throw Errors.notFound('Meeting room');
    return {
      room,
      name: principal.displayName,
      host: meetingsPolicy.isHost(room, principal.userId, membership),
      guest: false,
      userId: principal.userId,
    };
  }

  private accept(socket: WebSocket, admission: Admission): void {
    let room = this.rooms.get(admission.room.id);
    if (!room) {
      room = {
        id: admission.room.id,
        waitingRoom: admission.room.waiting_room,
        locked: false,
        participants: new Map(),
        waiting: new Map(),
      };
      this.rooms.set(room.id, room);
    }
    const peer: Peer = {
      id: randomUUID(),
      name: admission.name,
      host: admission.host,
      guest: admission.guest,
      userId: admission.userId,
      socket,
      state: { audio: false, video: false, screen: false },
      admitted: false,
      alive: true,
      tokens: RATE_BURST,
      refilledAt: Date.now(),
      invalid: 0,
    };
    const live = room;
    this.peers.set(socket, peer);
    socket.on('message', (data, isBinary) => this.onMessage(live, peer, data, isBinary));
    socket.on('close', () => this.leave(live, peer));
    socket.on('error', () => socket.terminate());
    socket.on('pong', () => (peer.alive = true));

    const mustKnock = peer.guest || live.locked || live.waitingRoom;
    if (peer.host || !mustKnock) {
      if (!this.admit(live, peer)) this.turnAwayFull(peer);
    } else if (live.waiting.size >= MAX_WAITING) {
      this.send(peer, { type: 'error', code: 'waiting_room_full', message: 'Too many people are waiting' });
      socket.close(CloseCodes.full, 'waiting room full');
    } else {
      live.waiting.set(peer.id, peer);
      this.send(peer, { type: 'waiting', locked: live.locked });
      this.notifyHosts(live);
    }
  }

  /** Moves a peer into the room; false when the mesh is full. */
  private admit(room: LiveRoom, peer: Peer): boolean {
    if (room.participants.size >= this.options.maxParticipants) return false;
    room.waiting.delete(peer.id);
    peer.admitted = true;
    const others = [...room.participants.values()];
    room.participants.set(peer.id, peer);
    this.send(peer, {
      type: 'welcome',
      self: view(peer),
      peers: others.map(view),
      locked: room.locked,
      maxParticipants: this.options.maxParticipants,
      iceServers: this.ctx.meetings.iceServers(peer.userId ?? `guest-${peer.id}`),
      iceTransportPolicy: this.options.relayOnly ? 'relay' : 'all',
    });
    for (const other of others) this.send(other, { type: 'peer-joined', peer: view(peer) });
    if (peer.host) this.send(peer, this.waitingList(room));
    return true;
  }

  private turnAwayFull(peer: Peer): void {
    this.send(peer, {
      type: 'error',
      code: 'meeting_full',
      message: `The meeting is full (at most ${this.options.maxParticipants} people)`,
      limit: this.options.maxParticipants,
    });
    peer.socket.close(CloseCodes.full, 'meeting full');
  }

  private leave(room: LiveRoom, peer: Peer): void {
    this.peers.delete(peer.socket);
    if (room.participants.delete(peer.id)) {
      for (const other of room.participants.values())
        this.send(other, { type: 'peer-left', peerId: peer.id });
    }
    if (room.waiting.delete(peer.id)) this.notifyHosts(room);
    if (room.participants.size === 0 && room.waiting.size === 0 && this.rooms.get(room.id) === room) {
      this.rooms.delete(room.id);
    }
  }

  private onMessage(room: LiveRoom, peer: Peer, data: RawData, isBinary: boolean): void {
    if (!this.takeToken(peer)) {
      peer.socket.close(1008, 'too many messages');
      return;
    }
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(rawText(data));
    } catch {
      message = undefined;
    }
    if (!Value.Check(ClientMessage, message)) return this.invalid(peer);
    const m = message;
    if (m.type === 'leave') {
      peer.socket.close(1000, 'left');
      return;
    }
    if (!peer.admitted) {
      this.send(peer, { type: 'error', code: 'not_admitted', message: 'Wait until the host admits you' });
      return;
    }
    switch (m.type) {
      case 'signal':
        return this.relay(room, peer, m);
      case 'state':
        peer.state = { audio: m.audio, video: m.video, screen: m.screen };
        for (const other of room.participants.values())
          if (other !== peer) this.send(other, { type: 'peer-state', peerId: peer.id, state: peer.state });
        return;
      case 'lock':
        if (!this.mustBeHost(peer)) return;
        room.locked = m.locked;
        for (const other of room.participants.values())
          this.send(other, { type: 'locked', locked: m.locked });
        return;
      default:
        if (!this.mustBeHost(peer)) return;
        return this.hostAction(room, peer, m.type, m.peerId);
    }
  }

  private relay(room: LiveRoom, from: Peer, m: Extract<ClientMessage, { type: 'signal' }>): void {
    const target = room.participants.get(m.to);
    if (!target || target === from) {
      this.send(from, {
        type: 'error',
        code: 'peer_gone',
        message: 'No such peer in the room',
        peerId: m.to,
      });
      return;
    }
    this.send(target, {
      type: 'signal',
      from: from.id,
      ...(m.description ? { description: m.description } : {}),
      ...(m.candidate !== undefined ? { candidate: m.candidate } : {}),
    });
  }

  private hostAction(
    room: LiveRoom,
    host: Peer,
    action: 'admit' | 'deny' | 'remove' | 'mute',
    id: string,
  ): void {
    const waiting = room.waiting.get(id);
    const participant = room.participants.get(id);
    if (action === 'admit' && waiting) {
      if (!this.admit(room, waiting)) {
        this.send(host, {
          type: 'error',
          code: 'meeting_full',
          message: `The meeting is full (at most ${this.options.maxParticipants} people)`,
          limit: this.options.maxParticipants,
        });
        return;
      }
      this.notifyHosts(room);
    } else if (action === 'deny' && waiting) {
      room.waiting.delete(id);
      this.send(waiting, { type: 'denied' });
      waiting.socket.close(CloseCodes.denied, 'denied');
      this.notifyHosts(room);
    } else if (action === 'remove' && participant && participant !== host) {
      this.send(participant, { type: 'removed' });
      participant.socket.close(CloseCodes.removed, 'removed');
    } else if (action === 'mute' && participant && participant !== host) {
      this.send(participant, { type: 'mute-request', by: host.name });
    } else {
      this.send(host, { type: 'error', code: 'peer_gone', message: 'No such peer', peerId: id });
    }
  }

  private mustBeHost(peer: Peer): boolean {
    if (peer.host) return true;
    this.send(peer, { type: 'error', code: 'forbidden', message: 'Only the host may do this' });
    return false;
  }

  private waitingList(room: LiveRoom) {
    return { type: 'waiting-list', waiting: [...room.waiting.values()].map(view) };
  }

  private notifyHosts(room: LiveRoom): void {
    const list = this.waitingList(room);
    for (const peer of room.participants.values()) if (peer.host) this.send(peer, list);
  }

  private invalid(peer: Peer): void {
    peer.invalid += 1;
    if (peer.invalid >= MAX_INVALID_MESSAGES) {
      peer.socket.close(1008, 'too many invalid messages');
      return;
    }
    this.send(peer, { type: 'error', code: 'invalid_message', message: 'Message not understood' });
  }

  private takeToken(peer: Peer): boolean {
    const now = Date.now();
    peer.tokens = Math.min(RATE_BURST, peer.tokens + ((now - peer.refilledAt) / 1000) * RATE_PER_SECOND);
    peer.refilledAt = now;
    if (peer.tokens < 1) return false;
    peer.tokens -= 1;
    return true;
  }

  private send(peer: Peer, message: Record<string, unknown>): void {
    const socket = peer.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  private beat(): void {
    for (const [socket, peer] of this.peers) {
      if (!peer.alive) {
        socket.terminate();
        continue;
      }
      peer.alive = false;
      socket.ping();
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function sessionCookie(header: string | undefined): string | null {
  for (const part of header?.split(';') ?? []) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** A guest's display name: printable, trimmed, 1 to 60 characters. */
export function guestName(raw: string | null): string | null {
  // eslint-disable-next-line no-control-regex
  const name = (raw ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return name.length >= 1 && name.length <= 60 ? name : null;
}

/** Answers an upgrade that will not become a WebSocket with a plain HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
