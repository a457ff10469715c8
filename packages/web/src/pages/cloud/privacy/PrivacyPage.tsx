// /vereinscloud/datenschutz — export of all club data (club admins, municipal admins) and deletion of
// a club (municipal admins, confirmed by typing the club's name in a modal dialog), and the club admins'
// deletion requests that municipal admins confirm or decline (DeletionRequest.tsx).
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import { DeletionRequestForClub, PendingDeletionRequest, useDeletionRequest } from './DeletionRequest.js';

interface Club {
  id: string;
  name: string;
  status: string;
  myRole: 'admin' | 'member' | null;
}

interface ClubExport {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  filesDone: number;
  filesTotal: number;
  createdAt: string;
  expiresAt: string;
}

const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

export default function PrivacyPage() {
  const { t } = useTranslation();
  const [clubs, setClubs] = useState<{ mine: Club[]; supported: Club[] } | null | 'error'>(null);
  useEffect(() => {
    api.get<{ mine: Club[]; supported: Club[] }>('/api/clubs').then(
      (body) =>
        setClubs({
          mine: body.mine.filter((c) => c.myRole === 'admin' && c.status === 'active'),
          supported: body.supported.filter((c) => c.status === 'active' || c.status === 'deleting'),
        }),
      () => setClubs('error'),
    );
  }, []);

  const mineIds = new Set(clubs && clubs !== 'error' ? clubs.mine.map((c) => c.id) : []);
  return (
    <Page heading={t('cloudPrivacy.title')}>
      <p className="kern-body kern-body--large">{t('cloudPrivacy.lead')}</p>
      {clubs === null && <Loading />}
      {clubs === 'error' && <Alert variant="danger" title={t('cloudPrivacy.loadFailed')} />}
      {clubs && clubs !== 'error' && clubs.mine.length + clubs.supported.length === 0 && (
        <Alert variant="info" title={t('cloudPrivacy.noClubs')} />
      )}
      {clubs &&
        clubs !== 'error' &&
        clubs.mine.map((club) => (
          <ClubSection key={club.id} club={club} staff={false}>
            <DeletionRequestForClub club={club} />
          </ClubSection>
        ))}
      {clubs &&
        clubs !== 'error' &&
        clubs.supported
          .filter((club) => !mineIds.has(club.id))
          .map((club) => <ClubSection key={club.id} club={club} staff />)}
    </Page>
  );
}

function ClubSection({ club, staff, children }: { club: Club; staff: boolean; children?: ReactNode }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState(club.status);
  const [justDeleted, setJustDeleted] = useState(false);
  const notice = useRef<HTMLDivElement>(null);
  // The dialog's opener is gone after a deletion, so focus goes to the notice that replaces it.
  useEffect(() => {
    if (justDeleted) notice.current?.focus();
  }, [justDeleted]);
  const headingId = `club-${club.id}-privacy`;
  return (
    <section aria-labelledby={headingId} className="kern-stack-md">
      <h2 id={headingId} className="kern-heading-medium">
        {club.name}
      </h2>
      {justDeleted ? (
        <Alert
          ref={notice}
          variant="success"
          role="status"
          title={t('cloudPrivacy.delete.started', { name: club.name })}
        />
      ) : status === 'deleting' ? (
        <Alert variant="info" title={t('cloudPrivacy.delete.deleting')} />
      ) : (
        <>
          <ClubExports club={club} />
          {children}
          {staff && (
            <StaffDeletion
              club={club}
              onDeleted={() => {
                setStatus('deleting');
                setJustDeleted(true);
              }}
            />
          )}
        </>
      )}
    </section>
  );
}

function ClubExports({ club }: { club: Club }) {
  const { t, i18n } = useTranslation();
  const [exports, setExports] = useState<ClubExport[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const path = `/api/clubs/${club.id}/exports`;
  const reload = useCallback(() => {
    api.get<{ items: ClubExport[] }>(path).then(
      (body) => setExports(body.items),
      (error: unknown) => setProblem(messageOf(error)),
    );
  }, [path]);
  useEffect(reload, [reload]);
  // Poll while an export is being made; the job reports its progress in the row.
  const busy = exports?.some((e) => e.status === 'queued' || e.status === 'running') ?? false;
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [busy, reload]);

  async function start() {
    setProblem(null);
    try {
      await api.post(path);
      reload();
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  const date = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <div className="kern-stack-sm">
      <h3 className="kern-heading-small">{t('cloudPrivacy.export.heading')}</h3>
      <p className="kern-body">{t('cloudPrivacy.export.text')}</p>
      {problem && (
        <Alert variant="danger" role="alert" title={t('cloudPrivacy.failed', { message: problem })} />
      )}
      <div>
        <button
          type="button"
          className="kern-btn kern-btn--primary"
          onClick={() => void start()}
          disabled={busy}
        >
          <span className="kern-label">{t('cloudPrivacy.export.start')}</span>
        </button>
      </div>
      {exports === null && !problem && <Loading />}
      {exports && exports.length === 0 && <p className="kern-body">{t('cloudPrivacy.export.none')}</p>}
      {exports && exports.length > 0 && (
        <ul className="kern-stack-sm" aria-live="polite">
          {exports.map((e) => (
            <li key={e.id} className="kern-body">
              {t('cloudPrivacy.export.item', {
                date: date(e.createdAt),
                status: t(`cloudPrivacy.export.status_${e.status}`),
              })}
              {(e.status === 'running' || e.status === 'queued') && (
                <>
                  {' '}
                  <progress
                    max={Math.max(e.filesTotal, 1)}
                    value={e.filesDone}
                    aria-label={t('cloudPrivacy.export.progress', { done: e.filesDone, total: e.filesTotal })}
                  />{' '}
                  {t('cloudPrivacy.export.progress', { done: e.filesDone, total: e.filesTotal })}
                </>
              )}
              {e.status === 'done' && (
                <>
                  {' '}
                  <a className="kern-link" href={`${path}/${e.id}/download`} download>
                    {t('cloudPrivacy.export.download', { date: date(e.createdAt) })}
                  </a>{' '}
                  ({t('cloudPrivacy.export.expires', { date: date(e.expiresAt) })})
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A pending request of the club's admins first; deleting then decides (confirms) that request. */
function StaffDeletion({ club, onDeleted }: { club: Club; onDeleted: () => void }) {
  const { request, reload } = useDeletionRequest(club.id);
  const pending = request?.status === 'pending' ? request : null;
  return (
    <>
      {pending && <PendingDeletionRequest club={club} request={pending} onDecided={reload} />}
      <ClubDeletion club={club} confirmsRequest={pending !== null} onDeleted={onDeleted} />
    </>
  );
}

function ClubDeletion({
  club,
  confirmsRequest,
  onDeleted,
}: {
  club: Club;
  confirmsRequest: boolean;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | null>(null);

  function open() {
    setName('');
    setError(undefined);
    setProblem(null);
    // showModal() keeps focus inside the dialog; the confirmation field gets it first.
    dialog.current?.showModal();
    document.getElementById(`delete-confirm-${club.id}`)?.focus();
  }
  function close() {
    dialog.current?.close();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() !== club.name) {
      setError(t('cloudPrivacy.delete.mismatch'));
      return;
    }
    try {
      if (confirmsRequest)
        await api.post(`/api/clubs/${club.id}/deletion-request/decision`, {
          decision: 'confirm',
          confirmName: name.trim(),
        });
      else await api.post(`/api/clubs/${club.id}/deletion`, { confirmName: name.trim() });
      close();
      onDeleted();
    } catch (e) {
      setProblem(messageOf(e));
    }
  }

  return (
    <div className="kern-stack-sm">
      <h3 className="kern-heading-small">{t('cloudPrivacy.delete.heading')}</h3>
      <p className="kern-body">{t('cloudPrivacy.delete.text')}</p>
      <div>
        <button ref={opener} type="button" className="kern-btn kern-btn--secondary" onClick={open}>
          <span className="kern-label">{t('cloudPrivacy.delete.open')}</span>
        </button>
      </div>
      {/* The native modal dialog keeps focus inside; on close focus returns to the opener. */}
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="kern-dialog"
        onClose={() => opener.current?.focus()}
      >
        <form className="kern-stack-sm" onSubmit={(e) => void submit(e)} noValidate>
          <h2 id={titleId} className="kern-heading-medium">
            {t('cloudPrivacy.delete.dialogTitle', { name: club.name })}
          </h2>
          {problem && (
            <Alert variant="danger" role="alert" title={t('cloudPrivacy.failed', { message: problem })} />
          )}
          <TextField
            id={`delete-confirm-${club.id}`}
            label={t('cloudPrivacy.delete.confirmLabel', { name: club.name })}
            value={name}
            autoComplete="off"
            onChange={(e) => setName(e.target.value)}
            error={error}
          />
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('cloudPrivacy.delete.confirm')}</span>
            </button>
            <button type="button" className="kern-btn kern-btn--secondary" onClick={close}>
              <span className="kern-label">{t('cloudPrivacy.delete.cancel')}</span>
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
