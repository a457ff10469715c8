// The browser side of a meeting: one signalling socket and one RTCPeerConnection to every other
// participant (a full mesh). Whoever joins later sends the offers, so two peers never offer to each
// other at once. Every connection has one audio and one video transceiver from the start; muting,
// switching the camera off and screen sharing only replace or disable tracks, so nothing renegotiates.

export interface MediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

export interface PeerView {
  id: string;
  name: string;
  host: boolean;
  guest: boolean;
  state: MediaState;
}

export interface RemotePeer extends PeerView {
  stream: MediaStream;
}

export type MeshStatus =
  'connecting' | 'waiting' | 'joined' | 'full' | 'denied' | 'removed' | 'closed' | 'left' | 'failed';

export interface MeshSnapshot {
  status: MeshStatus;
  self: PeerView | null;
  peers: RemotePeer[];
  waiting: PeerView[];
  locked: boolean;
  limit: number | null;
  /** Name of the host who asked this participant to mute, until the next change. */
  muteRequestBy: string | null;
}

type ServerMessage = { type: string } & Record<string, unknown>;

interface Connection {
  pc: RTCPeerConnection;
  peer: RemotePeer;
  pendingCandidates: RTCIceCandidateInit[];
  /** Signals of one peer are handled one after the other, in the order they came. */
  chain: Promise<void>;
}

export class MeshClient {
  private socket: WebSocket | null = null;
  private readonly connections = new Map<string, Connection>();
  private iceServers: RTCIceServer[] = [];
  private iceTransportPolicy: RTCIceTransportPolicy = 'all';
  private screenTrack: MediaStreamTrack | null = null;
  private snapshot: MeshSnapshot = {
    status: 'connecting',
    self: null,
    peers: [],
    waiting: [],
    locked: false,
    limit: null,
    muteRequestBy: null,
  };

  constructor(
    private readonly local: MediaStream,
    private readonly onChange: (snapshot: MeshSnapshot) => void,
  ) {}

  get state(): MeshSnapshot {
    return this.snapshot;
  }

  connect(url: string): void {
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onmessage = (event) => {
      try {
        this.receive(JSON.parse(String(event.data)) as ServerMessage);
      } catch {
        // A message we cannot read is dropped; the server only sends what this file understands.
      }
    };
    socket.onclose = (event) => {
      const byCode: Record<number, MeshStatus> = {
        4001: 'removed',
        4002: 'denied',
        4003: 'full',
        4004: 'closed',
      };
      const keep = ['full', 'denied', 'removed', 'closed', 'left'].includes(this.snapshot.status);
      this.closeConnections();
      this.update({ status: keep ? this.snapshot.status : (byCode[event.code] ?? 'failed') });
    };
  }

  leave(): void {
    this.update({ status: 'left' });
    this.send({ type: 'leave' });
    this.socket?.close();
    this.closeConnections();
    this.screenTrack?.stop();
  }

  setAudio(on: boolean): void {
    for (const track of this.local.getAudioTracks()) track.enabled = on;
    this.update({ muteRequestBy: null });
    this.announce();
  }

  setVideo(on: boolean): void {
    for (const track of this.local.getVideoTracks()) track.enabled = on;
    this.announce();
  }

  /** Sends the screen instead of the camera; null goes back to the camera. */
  async shareScreen(track: MediaStreamTrack | null): Promise<void> {
    this.screenTrack?.stop();
    this.screenTrack = track;
    if (track) track.addEventListener('ended', () => void this.shareScreen(null), { once: true });
    const outgoing = track ?? this.local.getVideoTracks()[0] ?? null;
    await Promise.all(
      [...this.connections.values()].map(
        (c) => this.videoSender(c.pc)?.replaceTrack(outgoing) ?? Promise.resolve(),
      ),
    );
    this.announce();
  }

  get sharingScreen(): boolean {
    return this.screenTrack !== null;
  }

  hostAction(type: 'admit' | 'deny' | 'remove' | 'mute', peerId: string): void {
    this.send({ type, peerId });
  }

  lock(locked: boolean): void {
    this.send({ type: 'lock', locked });
  }

  mediaState(): MediaState {
    return {
      audio: this.local.getAudioTracks().some((t) => t.enabled),
      video: this.local.getVideoTracks().some((t) => t.enabled),
      screen: this.screenTrack !== null,
    };
  }

  private announce(): void {
    const state = this.mediaState();
    if (this.snapshot.self) this.update({ self: { ...this.snapshot.self, state } });
    this.send({ type: 'state', ...state });
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        this.iceServers = message.iceServers as RTCIceServer[];
        this.iceTransportPolicy = message.iceTransportPolicy as RTCIceTransportPolicy;
        this.update({
          status: 'joined',
          self: message.self as PeerView,
          locked: message.locked as boolean,
          limit: message.maxParticipants as number,
        });
        this.announce();
        for (const peer of message.peers as PeerView[]) void this.offerTo(peer);
        return;
      }
      case 'waiting':
        return this.update({ status: 'waiting' });
      case 'waiting-list':
        return this.update({ waiting: message.waiting as PeerView[] });
      case 'peer-joined':
        this.connection(message.peer as PeerView);
        return this.publishPeers();
      case 'peer-left':
        this.drop(message.peerId as string);
        return this.publishPeers();
      case 'peer-state': {
        const connection = this.connections.get(message.peerId as string);
        if (connection) connection.peer = { ...connection.peer, state: message.state as MediaState };
        return this.publishPeers();
      }
      case 'signal': {
        const connection = this.connections.get(message.from as string);
        if (connection)
          connection.chain = connection.chain
            .then(() => this.onSignal(connection, message))
            .catch(() => undefined);
        return;
      }
      case 'locked':
        return this.update({ locked: message.locked as boolean });
      case 'mute-request':
        this.setAudio(false);
        return this.update({ muteRequestBy: message.by as string });
      case 'denied':
        return this.update({ status: 'denied' });
      case 'removed':
        return this.update({ status: 'removed' });
      case 'room-closed':
        return this.update({ status: 'closed' });
      case 'error':
        if (message.code === 'meeting_full')
          this.update({
            limit: message.limit as number,
            status: this.snapshot.status === 'joined' ? 'joined' : 'full',
          });
        return;
    }
  }

  private connection(peer: PeerView): Connection {
    const existing = this.connections.get(peer.id);
    if (existing) return existing;
    const pc = new RTCPeerConnection({
      iceServers: this.iceServers,
      iceTransportPolicy: this.iceTransportPolicy,
    });
    const stream = new MediaStream();
    const connection: Connection = {
      pc,
      peer: { ...peer, stream },
      pendingCandidates: [],
      chain: Promise.resolve(),
    };
    this.connections.set(peer.id, connection);
    pc.onicecandidate = (event) =>
      this.send({
        type: 'signal',
        to: peer.id,
        candidate: event.candidate ? event.candidate.toJSON() : null,
      });
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      this.publishPeers();
    };
    return connection;
  }

  private async offerTo(peer: PeerView): Promise<void> {
    const { pc } = this.connection(peer);
    this.publishPeers();
    pc.addTransceiver(this.local.getAudioTracks()[0] ?? 'audio', { direction: 'sendrecv' });
    pc.addTransceiver(this.screenTrack ?? this.local.getVideoTracks()[0] ?? 'video', {
      direction: 'sendrecv',
    });
    await pc.setLocalDescription(await pc.createOffer());
    this.send({ type: 'signal', to: peer.id, description: pc.localDescription?.toJSON() });
  }

  private async onSignal(connection: Connection, message: ServerMessage): Promise<void> {
    const { pc } = connection;
    const description = message.description as RTCSessionDescriptionInit | undefined;
    if (description) {
      await pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        // The offer created our transceivers; send our tracks on them before answering.
        for (const transceiver of pc.getTransceivers()) {
          const kind = transceiver.receiver.track.kind;
          const track =
            kind === 'audio'
              ? (this.local.getAudioTracks()[0] ?? null)
              : (this.screenTrack ?? this.local.getVideoTracks()[0] ?? null);
          transceiver.direction = 'sendrecv';
          await transceiver.sender.replaceTrack(track);
        }
        await pc.setLocalDescription(await pc.createAnswer());
        this.send({ type: 'signal', to: message.from, description: pc.localDescription?.toJSON() });
      }
      for (const candidate of connection.pendingCandidates.splice(0)) await pc.addIceCandidate(candidate);
      return;
    }
    const candidate = message.candidate as RTCIceCandidateInit | null | undefined;
    if (candidate === undefined) return;
    if (!pc.remoteDescription) {
      if (candidate) connection.pendingCandidates.push(candidate);
      return;
    }
    await pc.addIceCandidate(candidate ?? undefined);
  }

  private videoSender(pc: RTCPeerConnection): RTCRtpSender | undefined {
    return pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
  }

  private drop(peerId: string): void {
    const connection = this.connections.get(peerId);
    if (!connection) return;
    connection.pc.close();
    this.connections.delete(peerId);
  }

  private closeConnections(): void {
    for (const id of [...this.connections.keys()]) this.drop(id);
    this.publishPeers();
  }

  private publishPeers(): void {
    this.update({ peers: [...this.connections.values()].map((c) => c.peer) });
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private update(change: Partial<MeshSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    this.onChange(this.snapshot);
  }
}
