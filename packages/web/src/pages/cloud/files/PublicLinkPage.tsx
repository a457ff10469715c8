// The recipient's view of a public link, /vereinscloud/link/:token, without login: a password prompt
// when the link has one, then the shared file or folder with downloads, or for a file drop an upload
// form with progress. Revoked and expired links say so plainly.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api, ApiError, currentCsrfToken } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import './files.css';

interface SharedNode {
  id?: string;
  name: string;
  kind: 'folder' | 'file';
  size?: number;
}
interface LinkView {
  mode: 'read' | 'upload_only';
  clubName: string;
  node: SharedNode;
  items: SharedNode[];
}
interface Drop {
  name: string;
  percent: number;
  state: 'running' | 'done' | 'failed';
}
type State =
  | { kind: 'loading' }
  | { kind: 'password'; wrong: boolean }
  | { kind: 'gone'; reason: 'expired' | 'revoked' | 'unknown' }
  | { kind: 'error'; message: string }
  | { kind: 'open'; view: LinkView };

export default function PublicLinkPage() {
  const { t, i18n } = useTranslation();
  const { token = '' } = useParams();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [grant, setGrant] = useState('');
  const [folderId, setFolderId] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [drops, setDrops] = useState<Drop[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const base = `/api/public/links/${encodeURIComponent(token)}`;
  const query = (extra: Record<string, string | null> = {}) => {
    const params = new URLSearchParams();
    if (grant) params.set('grant', grant);
    for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
    const text = params.toString();
    return text ? `?${text}` : '';
  };

  const load = useCallback(
    (currentGrant: string, folder: string | null) => {
      const params = new URLSearchParams();
      if (currentGrant) params.set('grant', currentGrant);
      if (folder) params.set('folderId', folder);
      const text = params.toString();
      api.get<LinkView>(`${base}${text ? `?${text}` : ''}`).then(
        (view) => setState({ kind: 'open', view }),
        (e: unknown) => {
          if (e instanceof ApiError && e.code === 'link_password_required')
            setState({ kind: 'password', wrong: false });
          else if (e instanceof ApiError && e.code === 'link_expired')
            setState({ kind: 'gone', reason: 'expired' });
          else if (e instanceof ApiError && e.code === 'link_revoked')
            setState({ kind: 'gone', reason: 'revoked' });
          else if (e instanceof ApiError && e.status === 404) setState({ kind: 'gone', reason: 'unknown' });
          else setState({ kind: 'error', message: t('errors.generic') });
        },
      );
    },
    [base, t],
  );
  useEffect(() => load(grant, folderId), [load, grant, folderId]);

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const result = await api.post<{ grant: string }>(`${base}/unlock`, { password });
      setPassword('');
      setGrant(result.grant);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ kind: 'password', wrong: true });
      else setState({ kind: 'error', message: t('errors.generic') });
    }
  };

  // XMLHttpRequest rather than fetch: it reports upload progress.
  const send = (files: FileList) => {
    for (const file of Array.from(files)) {
      let index = 0;
      setDrops((all) => {
        index = all.length;
        return [...all, { name: file.name, percent: 0, state: 'running' }];
      });
      const update = (patch: Partial<Drop>) =>
        setDrops((all) => all.map((d, i) => (i === index ? { ...d, ...patch } : d)));
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${base}/files${query({ name: file.name })}`);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      const csrf = currentCsrfToken();
      if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) update({ percent: Math.floor((event.loaded / event.total) * 100) });
      };
      xhr.onload = () => {
        if (xhr.status === 201) {
          const stored = JSON.parse(xhr.responseText) as { name: string };
          update({ percent: 100, state: 'done', name: stored.name });
        } else update({ state: 'failed' });
      };
      xhr.onerror = () => update({ state: 'failed' });
      xhr.send(file);
    }
  };

  const size = (bytes: number | undefined) =>
    bytes === undefined
      ? ''
      : `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(bytes / 1000)} KB`;

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'gone' || state.kind === 'error')
    return (
      <Page heading={t('cloudFiles.publicTitle')}>
        <Alert
          variant={state.kind === 'error' ? 'danger' : 'warning'}
          title={
            state.kind === 'error'
              ? state.message
              : state.reason === 'expired'
                ? t('cloudFiles.linkExpired')
                : state.reason === 'revoked'
                  ? t('cloudFiles.linkRevokedPublic')
                  : t('cloudFiles.linkUnknown')
          }
          role="alert"
        >
          {state.kind === 'gone' && <p className="kern-body">{t('cloudFiles.linkGoneHint')}</p>}
        </Alert>
      </Page>
    );
  if (state.kind === 'password')
    return (
      <Page heading={t('cloudFiles.publicTitle')}>
        <p className="kern-body">{t('cloudFiles.passwordNeeded')}</p>
        <form className="kern-stack-sm" onSubmit={(e) => void unlock(e)}>
          <TextField
            id="link-unlock-password"
            type="password"
            autoComplete="current-password"
            label={t('cloudFiles.password')}
            value={password}
            required
            onChange={(e) => setPassword(e.currentTarget.value)}
            {...(state.wrong ? { error: t('cloudFiles.wrongPassword') } : {})}
          />
          <button type="submit" className="kern-btn kern-btn--primary">
            <span className="kern-label">{t('cloudFiles.open')}</span>
          </button>
        </form>
      </Page>
    );

  const { view } = state;
  return (
    <Page heading={view.node.name || t('cloudFiles.publicTitle')} title={t('cloudFiles.publicTitle')}>
      <p className="kern-body">{t('cloudFiles.publicFrom', { club: view.clubName })}</p>
      {view.mode === 'upload_only' ? (
        <section aria-labelledby="drop-heading" className="kern-stack-sm">
          <h2 id="drop-heading" className="kern-heading-medium">
            {t('cloudFiles.dropHeading')}
          </h2>
          <p className="kern-body">{t('cloudFiles.dropIntro', { name: view.node.name })}</p>
          <form
            className="srp-files-toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              const files = fileInput.current?.files;
              if (files && files.length) {
                send(files);
                fileInput.current!.value = '';
              }
            }}
          >
            <div className="kern-form-input">
              <label className="kern-label" htmlFor="drop-files">
                {t('cloudFiles.chooseFiles')}
              </label>
              <input
                ref={fileInput}
                id="drop-files"
                type="file"
                multiple
                className="kern-form-input__input"
              />
            </div>
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('cloudFiles.send')}</span>
            </button>
          </form>
          {drops.length > 0 && (
            <ul className="kern-list" data-testid="drops" aria-live="polite">
              {drops.map((d, i) => (
                <li key={i}>
                  <label className="kern-body">
                    {d.state === 'done'
                      ? t('cloudFiles.dropDone', { name: d.name })
                      : d.state === 'failed'
                        ? t('cloudFiles.uploadFailed', { name: d.name })
                        : t('cloudFiles.uploading', { name: d.name, percent: d.percent })}{' '}
                    <progress max={100} value={d.percent} />
                  </label>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : view.node.kind === 'file' ? (
        <p className="kern-body">
          <a
            className="kern-btn kern-btn--primary"
            href={`${base}/content${query()}`}
            download={view.node.name}
          >
            <span className="kern-label">
              {t('cloudFiles.download')}: {view.node.name}
            </span>
          </a>
        </p>
      ) : (
        <section aria-labelledby="shared-folder" className="kern-stack-sm">
          <h2 id="shared-folder" className="kern-heading-medium">
            {t('cloudFiles.folderContents', { name: view.node.name })}
          </h2>
          {folderId && (
            <button type="button" className="kern-link" onClick={() => setFolderId(null)}>
              {t('cloudFiles.backToFolder')}
            </button>
          )}
          {view.items.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.empty')}</p>
          ) : (
            <ul className="kern-list srp-files" data-testid="public-items">
              {view.items.map((item) => (
                <li key={item.id} className="srp-files-row">
                  {item.kind === 'folder' ? (
                    <button type="button" className="kern-link" onClick={() => setFolderId(item.id ?? null)}>
                      <span aria-hidden="true">📁 </span>
                      {item.name}
                      <span className="kern-sr-only"> ({t('cloudFiles.folder')})</span>
                    </button>
                  ) : (
                    <a
                      className="kern-link"
                      href={`${base}/content${query({ fileId: item.id ?? null })}`}
                      download={item.name}
                    >
                      {item.name}
                      <span className="kern-sr-only">, {t('cloudFiles.download')}</span>
                    </a>
                  )}
                  {item.kind === 'file' && (
                    <span className="kern-body kern-body--small">{size(item.size)}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </Page>
  );
}
