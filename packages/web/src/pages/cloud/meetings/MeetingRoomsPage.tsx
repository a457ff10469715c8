// /vereinscloud/treffen — the meeting rooms of the clubs one belongs to. Club admins create and delete
// rooms and hand out guest links; everyone joins from here.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import { ActionButton } from './ActionButton.js';
import './meetings.css';

interface Club {
  id: string;
  name: string;
  status: string;
}

interface Room {
  id: string;
  name: string;
  waitingRoom: boolean;
  guestLink: boolean;
  participants: number;
}

interface RoomList {
  rooms: Room[];
  mayManage: boolean;
  maxParticipants: number;
}

export default function MeetingRoomsPage() {
  const { t } = useTranslation();
  const [clubs, setClubs] = useState<Club[] | null | 'error'>(null);
  useEffect(() => {
    api.get<{ mine: Club[] }>('/api/clubs').then(
      (body) => setClubs(body.mine.filter((club) => club.status === 'active')),
      () => setClubs('error'),
    );
  }, []);

  return (
    <Page heading={t('meetings.rooms.title')}>
      <p className="kern-body kern-body--large">{t('meetings.rooms.lead')}</p>
      {clubs === null && <Loading />}
      {clubs === 'error' && <Alert variant="danger" title={t('meetings.rooms.loadFailed')} />}
      {Array.isArray(clubs) && clubs.length === 0 && (
        <Alert variant="info" title={t('meetings.rooms.noClubs')} />
      )}
      {Array.isArray(clubs) && clubs.map((club) => <ClubRooms key={club.id} club={club} />)}
    </Page>
  );
}

function ClubRooms({ club }: { club: Club }) {
  const { t } = useTranslation();
  const [list, setList] = useState<RoomList | null | 'error'>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [guestLink, setGuestLink] = useState<{ room: string; url: string } | null>(null);
  const path = `/api/clubs/${club.id}/meetings`;
  const reload = useCallback(() => {
    api.get<RoomList>(path).then(setList, () => setList('error'));
  }, [path]);
  useEffect(reload, [reload]);

  async function act(action: () => Promise<unknown>) {
    setProblem(null);
    try {
      await action();
      reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }

  const headingId = `club-${club.id}-rooms`;
  return (
    <section aria-labelledby={headingId} className="kern-stack-md">
      <h2 id={headingId} className="kern-heading-medium">
        {club.name}
      </h2>
      {list === null && <Loading />}
      {list === 'error' && <Alert variant="danger" title={t('meetings.rooms.loadFailed')} />}
      {problem && (
        <Alert variant="danger" role="alert" title={t('meetings.rooms.failed', { message: problem })} />
      )}
      {guestLink && (
        <Alert
          variant="success"
          role="status"
          title={t('meetings.rooms.guestLinkNew', { name: guestLink.room })}
        >
          <p className="kern-body">{t('meetings.rooms.guestLinkHint')}</p>
          <p className="kern-body srp-meeting__link">{guestLink.url}</p>
        </Alert>
      )}
      {list && list !== 'error' && (
        <>
          <p className="kern-body">{t('meetings.rooms.limit', { count: list.maxParticipants })}</p>
          {list.rooms.length === 0 ? (
            <p className="kern-body">{t('meetings.rooms.none')}</p>
          ) : (
            <ul className="kern-stack-sm">
              {list.rooms.map((room) => (
                <li key={room.id} className="srp-meeting__room">
                  <Link className="kern-link" to={`/treffen/${room.id}`}>
                    {t('meetings.rooms.join', { name: room.name })}
                  </Link>
                  <span className="kern-body">
                    {' '}
                    ({t('meetings.rooms.present', { count: room.participants })}
                    {room.waitingRoom && `, ${t('meetings.rooms.waitingRoomOn')}`})
                  </span>
                  {list.mayManage && (
                    <div className="srp-meeting__tile-actions">
                      <ActionButton
                        variant="tertiary"
                        onClick={() =>
                          void act(async () => {
                            const link = await api.put<{ url: string }>(`${path}/${room.id}/guest-link`);
                            setGuestLink({ room: room.name, url: link.url });
                          })
                        }
                        label={t('meetings.rooms.guestLink', { name: room.name })}
                      />
                      {room.guestLink && (
                        <ActionButton
                          variant="tertiary"
                          onClick={() => void act(() => api.delete(`${path}/${room.id}/guest-link`))}
                          label={t('meetings.rooms.revoke', { name: room.name })}
                        />
                      )}
                      <ActionButton
                        variant="tertiary"
                        onClick={() => void act(() => api.delete(`${path}/${room.id}`))}
                        label={t('meetings.rooms.delete', { name: room.name })}
                      />
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
          {list.mayManage && (
            <CreateRoom clubId={club.id} onCreate={(body) => act(() => api.post(path, body))} />
          )}
        </>
      )}
    </section>
  );
}

function CreateRoom({
  clubId,
  onCreate,
}: {
  clubId: string;
  onCreate: (body: { name: string; waitingRoom: boolean }) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [waitingRoom, setWaitingRoom] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setError(t('meetings.rooms.nameMissing'));
      return;
    }
    setError(undefined);
    await onCreate({ name: name.trim(), waitingRoom });
    setName('');
  }

  return (
    <form className="kern-stack-sm" onSubmit={(e) => void submit(e)} noValidate>
      <TextField
        id={`room-name-${clubId}`}
        label={t('meetings.rooms.name')}
        value={name}
        maxLength={120}
        onChange={(e) => setName(e.target.value)}
        error={error}
      />
      <div className="kern-form-check">
        <input
          id={`room-waiting-${clubId}`}
          type="checkbox"
          className="kern-form-check__checkbox"
          checked={waitingRoom}
          onChange={(e) => setWaitingRoom(e.target.checked)}
        />
        <label className="kern-label" htmlFor={`room-waiting-${clubId}`}>
          {t('meetings.rooms.waitingRoom')}
        </label>
      </div>
      <div className="srp-form__actions">
        <button type="submit" className="kern-btn kern-btn--primary">
          <span className="kern-label">{t('meetings.rooms.create')}</span>
        </button>
      </div>
    </form>
  );
}
