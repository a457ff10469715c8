// The club admin's deletion request and the municipality's decision on it, on the privacy page. The club
// admin asks (typing the club's name; the hint says to download the export first), sees the state and may
// withdraw a pending request; municipal admins see a pending request and decline it with a reason (the
// confirmation is the page's deletion dialog, which then decides the request).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';

export interface DeletionRequestView {
  id: string;
  status: 'pending' | 'confirmed' | 'declined' | 'withdrawn';
  note: string | null;
  requesterName: string | null;
  decisionReason: string | null;
  createdAt: string;
  decidedAt: string | null;
}

const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

/** The club's newest request; `undefined` while loading. */
export function useDeletionRequest(clubId: string) {
  const [request, setRequest] = useState<DeletionRequestView | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const reload = useCallback(() => {
    api.get<{ request: DeletionRequestView | null }>(`/api/clubs/${clubId}/deletion-request`).then(
      (body) => setRequest(body.request),
      (error: unknown) => setProblem(messageOf(error)),
    );
  }, [clubId]);
  useEffect(reload, [reload]);
  return { request, problem, reload };
}

function useDate() {
  const { i18n } = useTranslation();
  return (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
}

/** For the club's admins: ask for the deletion, see the state, withdraw. */
export function DeletionRequestForClub({ club }: { club: { id: string; name: string } }) {
  const { t } = useTranslation();
  const date = useDate();
  const { request, problem: loadProblem, reload } = useDeletionRequest(club.id);
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | null>(null);
  const status = useRef<HTMLDivElement>(null);
  const [announce, setAnnounce] = useState(false);
  useEffect(() => {
    if (announce) status.current?.focus();
  }, [announce, request]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (name.trim() !== club.name) {
      setError(t('cloudPrivacy.delete.mismatch'));
      return;
    }
    setError(undefined);
    try {
      await api.post(`/api/clubs/${club.id}/deletion-request`, {
        confirmName: name.trim(),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setName('');
      setNote('');
      setAnnounce(true);
      reload();
    } catch (e) {
      setProblem(messageOf(e));
    }
  }

  async function withdraw() {
    setProblem(null);
    try {
      await api.delete(`/api/clubs/${club.id}/deletion-request`);
      setAnnounce(true);
      reload();
    } catch (e) {
      setProblem(messageOf(e));
    }
  }

  const headingId = `deletion-request-${club.id}`;
  return (
    <div className="kern-stack-sm" aria-labelledby={headingId} role="group">
      <h3 id={headingId} className="kern-heading-small">
        {t('cloudPrivacy.request.heading')}
      </h3>
      {request === undefined && !loadProblem && <Loading />}
      {(problem ?? loadProblem) && (
        <Alert
          variant="danger"
          role="alert"
          title={t('cloudPrivacy.failed', { message: problem ?? loadProblem })}
        />
      )}
      {request?.status === 'pending' && (
        <>
          <Alert
            ref={status}
            variant="info"
            role="status"
            title={t('cloudPrivacy.request.pending', { date: date(request.createdAt) })}
          >
            <p className="kern-body">{t('cloudPrivacy.request.pendingText')}</p>
          </Alert>
          <div>
            <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void withdraw()}>
              <span className="kern-label">{t('cloudPrivacy.request.withdraw')}</span>
            </button>
          </div>
        </>
      )}
      {request && request.status !== 'pending' && (
        <Alert
          ref={status}
          variant={request.status === 'declined' ? 'warning' : 'info'}
          role="status"
          title={t(`cloudPrivacy.request.state_${request.status}`, {
            date: date(request.decidedAt ?? request.createdAt),
          })}
        >
          {request.decisionReason && (
            <p className="kern-body">
              {t('cloudPrivacy.request.reason', { reason: request.decisionReason })}
            </p>
          )}
        </Alert>
      )}
      {request !== undefined && request?.status !== 'pending' && (
        <form className="kern-stack-sm" onSubmit={(e) => void submit(e)} noValidate>
          <p className="kern-body">{t('cloudPrivacy.request.text')}</p>
          <Alert variant="warning" title={t('cloudPrivacy.request.exportFirst')} />
          <TextField
            id={`deletion-request-note-${club.id}`}
            label={t('cloudPrivacy.request.noteLabel')}
            value={note}
            maxLength={2000}
            onChange={(e) => setNote(e.target.value)}
          />
          <TextField
            id={`deletion-request-name-${club.id}`}
            label={t('cloudPrivacy.delete.confirmLabel', { name: club.name })}
            value={name}
            autoComplete="off"
            onChange={(e) => setName(e.target.value)}
            error={error}
          />
          <div>
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('cloudPrivacy.request.submit')}</span>
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** For municipal admins: a pending request, declined here with a reason. */
export function PendingDeletionRequest({
  club,
  request,
  onDecided,
}: {
  club: { id: string; name: string };
  request: DeletionRequestView;
  onDecided: () => void;
}) {
  const { t } = useTranslation();
  const date = useDate();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | null>(null);

  async function decline(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (!reason.trim()) {
      setError(t('cloudPrivacy.request.reasonMissing'));
      return;
    }
    setError(undefined);
    try {
      await api.post(`/api/clubs/${club.id}/deletion-request/decision`, {
        decision: 'decline',
        reason: reason.trim(),
      });
      onDecided();
    } catch (e) {
      setProblem(messageOf(e));
    }
  }

  return (
    <div className="kern-stack-sm">
      <h3 className="kern-heading-small">{t('cloudPrivacy.request.staffHeading')}</h3>
      <Alert
        variant="warning"
        title={t('cloudPrivacy.request.staffPending', {
          date: date(request.createdAt),
          name: request.requesterName ?? t('cloudPrivacy.request.someone'),
        })}
      >
        {request.note && (
          <p className="kern-body">{t('cloudPrivacy.request.note', { note: request.note })}</p>
        )}
        <p className="kern-body">{t('cloudPrivacy.request.staffText')}</p>
      </Alert>
      {problem && (
        <Alert variant="danger" role="alert" title={t('cloudPrivacy.failed', { message: problem })} />
      )}
      <form className="kern-stack-sm" onSubmit={(e) => void decline(e)} noValidate>
        <TextField
          id={`deletion-decline-${club.id}`}
          label={t('cloudPrivacy.request.declineLabel')}
          value={reason}
          maxLength={2000}
          onChange={(e) => setReason(e.target.value)}
          error={error}
        />
        <div>
          <button type="submit" className="kern-btn kern-btn--secondary">
            <span className="kern-label">{t('cloudPrivacy.request.decline')}</span>
          </button>
        </div>
      </form>
    </div>
  );
}
