// Small pieces shared by the participation pages: loading data, the shapes the server sends, status labels.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Loading } from '../../layout/Loading.js';

export type ReportStatus = 'open' | 'acknowledged' | 'in_progress' | 'closed';

export interface PublicReport {
  number: number;
  municipalityName: string;
  category: { code: string; name: string };
  description: string;
  address: string | null;
  location: { latitude: number; longitude: number } | null;
  status: ReportStatus;
  statusNote: string | null;
  photos: string[];
  createdAt: string;
}

export interface Post {
  id: string;
  kind: 'news' | 'page';
  pageRole: 'accessibility' | 'privacy' | 'imprint' | 'plain_language' | null;
  title: string;
  summary: string;
  html: string;
  fieldsOfAction: string[];
  municipalityId: string | null;
  municipalityName: string | null;
  publishedAt: string;
}

export type LoadState<T> =
  { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };

/** GETs a path (again when it changes, or on reload()). */
export function useLoad<T>(path: string | null): LoadState<T> & { reload: () => void } {
  const [state, setState] = useState<LoadState<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState({ status: 'loading' });
    api.get<T>(path).then(
      (data) => current && setState({ status: 'ready', data }),
      (error: unknown) =>
        current &&
        setState({
          status: 'error',
          error: error instanceof ApiError ? error : new ApiError(0, 'network_error', String(error)),
        }),
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** Loading spinner or error alert while a load is not ready; null when it is. */
export function LoadGate({ state }: { state: LoadState<unknown> }) {
  const { t } = useTranslation();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error')
    return (
      <Alert
        variant="danger"
        role="alert"
        title={state.error.status === 404 ? t('notFound.title') : t('errors.generic')}
      />
    );
  return null;
}

/** The status as a text badge: the word carries the meaning, the colour only supports it. */
export function StatusBadge({ status }: { status: ReportStatus }) {
  const { t } = useTranslation();
  const variant = status === 'closed' ? 'success' : status === 'open' ? 'info' : 'warning';
  return (
    <span className={`kern-badge kern-badge--${variant}`}>{t(`participation.reports.status.${status}`)}</span>
  );
}

export function formatDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'long' }).format(
    new Date(iso),
  );
}

/** Sanitised on the server (allow-list); rendered as the body of a post. */
export function PostBody({ html }: { html: string }) {
  return <div className="srp-post-body kern-body" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** A field hidden from people (off-screen, not focusable); a bot that fills it gives itself away. */
export function Honeypot({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="srp-honeypot" aria-hidden="true">
      <label htmlFor={id}>{t('participation.report.honeypot')}</label>
      <input
        id={id}
        tabIndex={-1}
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
