// /treffen/:roomId — a club's video meeting: camera, microphone, screen sharing, tiles with names, and
// for the host the waiting room, lock, mute requests and removal. Members come with their session,
// guests with the link's `?gast=` token and a name. The WebRTC mesh itself is in mesh.ts.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import { loginPathFor } from '../../../paths.js';
import { ActionButton } from './ActionButton.js';
import { MeshClient, type MeshSnapshot, type PeerView } from './mesh.js';
import './meetings.css';

interface RoomInfo {
  id: string;
  name: string;
  clubName: string;
  guest: boolean;
  host: boolean;
  maxParticipants: number;
  signallingPath: string;
}

/** How a meeting can end for this participant; each has its message. */
type EndStatus = 'full' | 'denied' | 'removed' | 'closed' | 'left' | 'failed';

type Loaded = { status: 'loading' } | { status: 'ready'; room: RoomInfo } | { status: 'error'; code: number };

/** Camera at a modest size: every participant sends it to every other one. */
const CAMERA: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24 },
};

async function openDevices(): Promise<{ stream: MediaStream; complete: boolean }> {
  const attempts: MediaStreamConstraints[] = [
    { audio: true, video: CAMERA },
    { audio: true },
    { video: CAMERA },
  ];
  for (const [index, constraints] of attempts.entries()) {
    try {
      return { stream: await navigator.mediaDevices.getUserMedia(constraints), complete: index === 0 };
    } catch {
      // Try with fewer devices: people without a camera or microphone still take part.
    }
  }
  return { stream: new MediaStream(), complete: false };
}

export default function MeetingPage() {
  const { t } = useTranslation();
  const { roomId = '' } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const guestToken = params.get('gast');
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    let active = true;
    const query = guestToken ? `?gast=${encodeURIComponent(guestToken)}` : '';
    api.get<RoomInfo>(`/api/meetings/${encodeURIComponent(roomId)}${query}`).then(
      (room) => active && setLoaded({ status: 'ready', room }),
      (error: unknown) =>
        active && setLoaded({ status: 'error', code: error instanceof ApiError ? error.status : 0 }),
    );
    return () => {
      active = false;
    };
  }, [roomId, guestToken]);

  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'error') {
    return (
      <Page heading={t('meetings.nav.title')}>
        {loaded.code === 401 ? (
          <Alert variant="info" title={t('meetings.meeting.loginNeeded')}>
            <Link className="kern-link" to={loginPathFor(location.pathname + location.search)}>
              {t('meetings.meeting.login')}
            </Link>
          </Alert>
        ) : (
          <Alert variant="warning" title={t('meetings.meeting.notFound')} />
        )}
      </Page>
    );
  }
  return <Meeting room={loaded.room} guestToken={guestToken} />;
}

function Meeting({ room, guestToken }: { room: RoomInfo; guestToken: string | null }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [client, setClient] = useState<MeshClient | null>(null);
  const [snapshot, setSnapshot] = useState<MeshSnapshot | null>(null);
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [devicesMissing, setDevicesMissing] = useState(false);
  const clientRef = useRef<MeshClient | null>(null);

  useEffect(
    () => () => {
      clientRef.current?.leave();
    },
    [],
  );
  useEffect(
    () => () => {
      for (const track of local?.getTracks() ?? []) track.stop();
    },
    [local],
  );

  async function join(event?: FormEvent) {
    event?.preventDefault();
    const guestName = name.trim();
    if (guestToken && (guestName.length === 0 || guestName.length > 60)) {
      setNameError(t('meetings.meeting.guestNameMissing'));
      return;
    }
    setNameError(undefined);
    const { stream, complete } = local ? { stream: local, complete: !devicesMissing } : await openDevices();
    setLocal(stream);
    setDevicesMissing(!complete);
    const mesh = new MeshClient(stream, setSnapshot);
    clientRef.current = mesh;
    setClient(mesh);
    setSnapshot(mesh.state);
    const query = new URLSearchParams({ room: room.id });
    if (guestToken) {
      query.set('gast', guestToken);
      query.set('name', guestName);
    }
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    mesh.connect(`${scheme}://${window.location.host}${room.signallingPath}?${query}`);
  }

  const heading = t('meetings.meeting.title', { name: room.name });
  const ended = snapshot && !['connecting', 'waiting', 'joined'].includes(snapshot.status);

  if (!client || !snapshot || ended) {
    return (
      <Page heading={heading}>
        <p className="kern-body">{t('meetings.meeting.club', { club: room.clubName })}</p>
        {snapshot && ended && (
          <Alert
            variant={snapshot.status === 'left' ? 'info' : 'warning'}
            role="status"
            title={t(`meetings.meeting.${snapshot.status as EndStatus}`, {
              count: snapshot.limit ?? room.maxParticipants,
            })}
          />
        )}
        <form className="kern-stack-md" onSubmit={(e) => void join(e)} noValidate>
          {guestToken && (
            <TextField
              id="meeting-guest-name"
              label={t('meetings.meeting.guestName')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="name"
              maxLength={60}
              error={nameError}
            />
          )}
          <p className="kern-body">{t('meetings.meeting.joinHint')}</p>
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">
                {snapshot ? t('meetings.meeting.rejoin') : t('meetings.meeting.join')}
              </span>
            </button>
          </div>
        </form>
      </Page>
    );
  }

  return (
    <Page heading={heading}>
      <div aria-live="polite" className="kern-stack-sm">
        {snapshot.status === 'connecting' && (
          <Alert variant="info" title={t('meetings.meeting.connecting')} />
        )}
        {snapshot.status === 'waiting' && <Alert variant="info" title={t('meetings.meeting.waiting')} />}
        {devicesMissing && <Alert variant="warning" title={t('meetings.meeting.noDevices')} />}
        {snapshot.locked && snapshot.status === 'joined' && (
          <Alert variant="info" title={t('meetings.meeting.locked')} />
        )}
        {snapshot.muteRequestBy && (
          <Alert variant="info" title={t('meetings.meeting.mutedBy', { name: snapshot.muteRequestBy })} />
        )}
      </div>
      <Controls client={client} snapshot={snapshot} local={local} />
      {snapshot.self?.host && snapshot.status === 'joined' && (
        <WaitingRoom client={client} waiting={snapshot.waiting} />
      )}
      {snapshot.status === 'joined' && snapshot.self && (
        <section aria-labelledby="meeting-tiles" className="kern-stack-sm">
          <h2 id="meeting-tiles" className="kern-heading-medium">
            {t('meetings.meeting.participants', {
              count: snapshot.peers.length + 1,
              limit: snapshot.limit ?? room.maxParticipants,
            })}
          </h2>
          <ul className="srp-meeting__tiles">
            <Tile peer={snapshot.self} stream={local} self />
            {snapshot.peers.map((peer) => (
              <Tile
                key={peer.id}
                peer={peer}
                stream={peer.stream}
                hostActions={snapshot.self?.host ? client : null}
              />
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

function Controls({
  client,
  snapshot,
  local,
}: {
  client: MeshClient;
  snapshot: MeshSnapshot;
  local: MediaStream | null;
}) {
  const { t } = useTranslation();
  const [, rerender] = useState(0);
  const media = client.mediaState();
  const hasAudio = (local?.getAudioTracks().length ?? 0) > 0;
  const hasVideo = (local?.getVideoTracks().length ?? 0) > 0;
  const canShare = typeof navigator.mediaDevices?.getDisplayMedia === 'function';

  async function toggleScreen() {
    if (client.sharingScreen) {
      await client.shareScreen(null);
    } else {
      try {
        const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        await client.shareScreen(display.getVideoTracks()[0] ?? null);
      } catch {
        // The person cancelled the browser's choice of screen: nothing changes.
      }
    }
    rerender((n) => n + 1);
  }

  return (
    <div role="toolbar" aria-label={t('meetings.meeting.controls')} className="srp-meeting__controls">
      {hasAudio && (
        <ActionButton
          variant="secondary"
          onClick={() => client.setAudio(!media.audio)}
          label={media.audio ? t('meetings.meeting.micOff') : t('meetings.meeting.micOn')}
        />
      )}
      {hasVideo && (
        <ActionButton
          variant="secondary"
          onClick={() => client.setVideo(!media.video)}
          label={media.video ? t('meetings.meeting.camOff') : t('meetings.meeting.camOn')}
        />
      )}
      {canShare && snapshot.status === 'joined' && (
        <ActionButton
          variant="secondary"
          onClick={() => void toggleScreen()}
          label={media.screen ? t('meetings.meeting.stopShare') : t('meetings.meeting.shareScreen')}
        />
      )}
      {snapshot.self?.host && snapshot.status === 'joined' && (
        <ActionButton
          variant="secondary"
          onClick={() => client.lock(!snapshot.locked)}
          label={snapshot.locked ? t('meetings.meeting.unlock') : t('meetings.meeting.lock')}
        />
      )}
      <ActionButton variant="primary" onClick={() => client.leave()} label={t('meetings.meeting.leave')} />
    </div>
  );
}

function WaitingRoom({ client, waiting }: { client: MeshClient; waiting: PeerView[] }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="meeting-waiting" className="kern-stack-sm">
      <h2 id="meeting-waiting" className="kern-heading-medium">
        {t('meetings.meeting.waitingList')}
      </h2>
      {waiting.length === 0 ? (
        <p className="kern-body">{t('meetings.meeting.nobodyWaiting')}</p>
      ) : (
        <ul className="kern-stack-xs">
          {waiting.map((peer) => (
            <li key={peer.id} className="srp-meeting__waiting">
              <span className="kern-body">
                {peer.name}
                {peer.guest && ` (${t('meetings.meeting.guest')})`}
              </span>
              <ActionButton
                variant="primary"
                onClick={() => client.hostAction('admit', peer.id)}
                label={t('meetings.meeting.admit', { name: peer.name })}
              />
              <ActionButton
                variant="secondary"
                onClick={() => client.hostAction('deny', peer.id)}
                label={t('meetings.meeting.deny', { name: peer.name })}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Tile({
  peer,
  stream,
  self = false,
  hostActions = null,
}: {
  peer: PeerView;
  stream: MediaStream | null;
  self?: boolean;
  hostActions?: MeshClient | null;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (!video.current) return;
    // Set as a property: React does not keep `muted` in sync, and one's own voice must not echo.
    video.current.muted = self;
    if (video.current.srcObject !== stream) video.current.srcObject = stream;
  });
  const notes = [
    peer.host ? t('meetings.meeting.host') : null,
    peer.guest ? t('meetings.meeting.guest') : null,
    peer.state.audio ? null : t('meetings.meeting.micStateOff'),
    peer.state.video || peer.state.screen ? null : t('meetings.meeting.camStateOff'),
    peer.state.screen ? t('meetings.meeting.sharing') : null,
  ].filter(Boolean);
  return (
    <li className="srp-meeting__tile" data-peer={peer.id}>
      <figure className="srp-meeting__figure">
        {/* Captions cannot exist for live speech; the name and state are in the figcaption. */}
        <video ref={video} autoPlay playsInline className="srp-meeting__video" />
        <figcaption className="kern-body">
          <strong>{self ? t('meetings.meeting.you', { name: peer.name }) : peer.name}</strong>
          {notes.length > 0 && ` · ${notes.join(' · ')}`}
        </figcaption>
      </figure>
      {hostActions && (
        <div className="srp-meeting__tile-actions">
          <ActionButton
            variant="tertiary"
            onClick={() => hostActions.hostAction('mute', peer.id)}
            label={t('meetings.meeting.askMute', { name: peer.name })}
          />
          <ActionButton
            variant="tertiary"
            onClick={() => hostActions.hostAction('remove', peer.id)}
            label={t('meetings.meeting.remove', { name: peer.name })}
          />
        </div>
      )}
    </li>
  );
}
