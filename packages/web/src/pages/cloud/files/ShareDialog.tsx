// The "Teilen" dialog of a file or folder: shares with club groups and members (read or write) and
// public links (password, expiry, upload-only for folders; copy, revoke). A modal <dialog>: the browser
// keeps the focus inside and Escape closes it; on close the focus goes back to the "Teilen" button.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';

export interface ShareTarget {
  id: string;
  name: string;
  kind: 'folder' | 'file';
}
export interface Share {
  id: string;
  nodeId: string;
  nodeName: string;
  nodeKind: 'folder' | 'file';
  groupId: string | null;
  groupName: string | null;
  userId: string | null;
  userName: string | null;
  access: 'read' | 'write';
}
export interface PublicLink {
  id: string;
  nodeId: string;
  nodeName: string;
  mode: 'read' | 'upload_only';
  hasPassword: boolean;
  expiresAt: string | null;
}
interface ShareInfo {
  items: Share[];
  groups: { id: string; name: string }[];
  members: { userId: string; displayName: string }[];
}

/** What a public link allows, e.g. "Nur hochladen · mit Passwort · bis 31.12.2026". */
export function linkTerms(link: PublicLink, t: TFunction, language: string): string {
  const mode = link.mode === 'upload_only' ? t('cloudFiles.linkDrop') : t('cloudFiles.linkRead');
  const password = link.hasPassword ? ` · ${t('cloudFiles.withPassword')}` : '';
  const expiry = link.expiresAt
    ? t('cloudFiles.until', { date: new Date(link.expiresAt).toLocaleDateString(language) })
    : t('cloudFiles.unlimited');
  return `${mode}${password} · ${expiry}`;
}

/** "Gruppe Vorstand" or the member's name; the caller supplies the group label (translated). */
export const shareeName = (s: Share, groupLabel: (name: string) => string) =>
  s.groupName ? groupLabel(s.groupName) : (s.userName ?? '');

export function ShareDialog({
  clubId,
  node,
  onClose,
}: {
  clubId: string;
  node: ShareTarget;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const [info, setInfo] = useState<ShareInfo | null>(null);
  const [links, setLinks] = useState<PublicLink[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [access, setAccess] = useState<'read' | 'write'>('read');
  const [mode, setMode] = useState<'read' | 'upload_only'>('read');
  const [password, setPassword] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const base = `/api/clubs/${clubId}`;

  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('errors.generic')),
    [t],
  );
  const reload = useCallback(() => {
    api.get<ShareInfo>(`${base}/files/${node.id}/shares`).then(setInfo, fail);
    api
      .get<{ items: PublicLink[] }>(`${base}/links`)
      .then((r) => setLinks(r.items.filter((l) => l.nodeId === node.id)), fail);
  }, [base, node.id, fail]);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    reload();
  }, [reload]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await action();
      setStatus(done);
      reload();
    } catch (e) {
      fail(e);
    }
  };

  const addShare = (e: FormEvent) => {
    e.preventDefault();
    if (!target || !info) return;
    const [kind, id] = target.split(':') as ['group' | 'user', string];
    const name =
      kind === 'group'
        ? t('cloudFiles.group', { name: info.groups.find((g) => g.id === id)?.name ?? '' })
        : (info.members.find((m) => m.userId === id)?.displayName ?? '');
    void act(
      () =>
        api.post(`${base}/files/${node.id}/shares`, {
          ...(kind === 'group' ? { groupId: id } : { userId: id }),
          access,
        }),
      t('cloudFiles.shareAdded', { name }),
    ).then(() => setTarget(''));
  };

  const createLink = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const result = await api.post<{ url: string }>(`${base}/links`, {
        nodeId: node.id,
        mode,
        ...(password ? { password } : {}),
        // The end of the chosen day, local time.
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
      setCreated(result.url);
      setPassword('');
      setExpires('');
      setStatus(t('cloudFiles.linkCreated'));
      reload();
    } catch (err) {
      fail(err);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created);
      setStatus(t('cloudFiles.copied'));
    } catch {
      // Without clipboard access the field stays selected for copying by hand.
      document.getElementById('share-link-url')?.focus();
    }
  };

  const taken = new Set(info?.items.map((s) => (s.groupId ? `group:${s.groupId}` : `user:${s.userId}`)));
  const headingId = `share-heading-${node.id}`;
  return (
    <dialog
      ref={dialog}
      className="kern-dialog srp-share-dialog"
      aria-labelledby={headingId}
      onClose={onClose}
      data-testid="share-dialog"
    >
      <header className="kern-dialog__header">
        <h2 id={headingId} className="kern-heading-medium">
          {t('cloudFiles.shareOf', { name: node.name })}
        </h2>
      </header>
      <div className="kern-dialog__body kern-stack-md">
        {error && <Alert variant="danger" title={error} role="alert" />}
        <div aria-live="polite" role="status" className="kern-body">
          {status}
        </div>

        <section aria-labelledby={`${headingId}-shares`} className="kern-stack-sm">
          <h3 id={`${headingId}-shares`} className="kern-heading-small">
            {t('cloudFiles.sharesHeading')}
          </h3>
          <p className="kern-body kern-body--small">{t('cloudFiles.sharesHint')}</p>
          {info && info.items.length === 0 && <p className="kern-body">{t('cloudFiles.noShares')}</p>}
          {info && info.items.length > 0 && (
            <ul className="kern-list" data-testid="shares">
              {info.items.map((s) => {
                const name = shareeName(s, (n) => t('cloudFiles.group', { name: n }));
                return (
                  <li key={s.id} className="srp-files-row">
                    <span className="kern-body">{name}</span>
                    <span className="srp-files-actions">
                      <label className="kern-sr-only" htmlFor={`share-access-${s.id}`}>
                        {t('cloudFiles.rightFor', { name })}
                      </label>
                      <select
                        id={`share-access-${s.id}`}
                        className="kern-form-input__select"
                        value={s.access}
                        onChange={(e) =>
                          void act(
                            () => api.patch(`${base}/shares/${s.id}`, { access: e.currentTarget.value }),
                            t('cloudFiles.shareAdded', { name }),
                          )
                        }
                      >
                        <option value="read">{t('cloudFiles.rightRead')}</option>
                        <option value="write">{t('cloudFiles.rightWrite')}</option>
                      </select>
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary kern-btn--small"
                        aria-label={t('cloudFiles.removeShareFor', { name })}
                        onClick={() =>
                          void act(
                            () => api.delete(`${base}/shares/${s.id}`),
                            t('cloudFiles.shareRemoved', { name }),
                          )
                        }
                      >
                        <span className="kern-label">{t('cloudFiles.removeShare')}</span>
                      </button>
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
          {info && (
            <form className="srp-files-toolbar" onSubmit={addShare}>
              <div className="kern-form-input">
                <label className="kern-label" htmlFor="share-target">
                  {t('cloudFiles.shareWith')}
                </label>
                <select
                  id="share-target"
                  className="kern-form-input__select"
                  value={target}
                  onChange={(e) => setTarget(e.currentTarget.value)}
                  required
                >
                  <option value="" />
                  <optgroup label={t('cloudFiles.groups')}>
                    {info.groups
                      .filter((g) => !taken.has(`group:${g.id}`))
                      .map((g) => (
                        <option key={g.id} value={`group:${g.id}`}>
                          {g.name}
                        </option>
                      ))}
                  </optgroup>
                  <optgroup label={t('cloudFiles.members')}>
                    {info.members
                      .filter((m) => !taken.has(`user:${m.userId}`))
                      .map((m) => (
                        <option key={m.userId} value={`user:${m.userId}`}>
                          {m.displayName}
                        </option>
                      ))}
                  </optgroup>
                </select>
              </div>
              <div className="kern-form-input">
                <label className="kern-label" htmlFor="share-access">
                  {t('cloudFiles.right')}
                </label>
                <select
                  id="share-access"
                  className="kern-form-input__select"
                  value={access}
                  onChange={(e) => setAccess(e.currentTarget.value as 'read' | 'write')}
                >
                  <option value="read">{t('cloudFiles.rightRead')}</option>
                  <option value="write">{t('cloudFiles.rightWrite')}</option>
                </select>
              </div>
              <button type="submit" className="kern-btn kern-btn--primary">
                <span className="kern-label">{t('cloudFiles.addShare')}</span>
              </button>
            </form>
          )}
        </section>

        <section aria-labelledby={`${headingId}-links`} className="kern-stack-sm">
          <h3 id={`${headingId}-links`} className="kern-heading-small">
            {t('cloudFiles.linksHeading')}
          </h3>
          <p className="kern-body kern-body--small">{t('cloudFiles.linksHint')}</p>
          {links.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.noLinks')}</p>
          ) : (
            <ul className="kern-list" data-testid="node-links">
              {links.map((l) => (
                <li key={l.id} className="srp-files-row">
                  <span className="kern-body">{linkTerms(l, t, i18n.language)}</span>
                  <button
                    type="button"
                    className="kern-btn kern-btn--tertiary kern-btn--small"
                    aria-label={t('cloudFiles.revokeLink', { name: node.name })}
                    onClick={() =>
                      void act(
                        () => api.delete(`${base}/links/${l.id}`),
                        t('cloudFiles.linkRevoked', { name: node.name }),
                      )
                    }
                  >
                    <span className="kern-label">{t('cloudFiles.revoke')}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {created && (
            <div className="srp-files-toolbar">
              <TextField
                id="share-link-url"
                label={t('cloudFiles.linkUrl')}
                value={created}
                readOnly
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void copy()}>
                <span className="kern-label">{t('cloudFiles.copyLink')}</span>
              </button>
            </div>
          )}
          <form className="kern-stack-sm" onSubmit={(e) => void createLink(e)}>
            {node.kind === 'folder' && (
              <fieldset className="kern-fieldset">
                <legend className="kern-label">{t('cloudFiles.linkMode')}</legend>
                <div className="kern-fieldset__body">
                  {(['read', 'upload_only'] as const).map((m) => (
                    <div key={m} className="kern-form-check">
                      <input
                        id={`link-mode-${m}`}
                        className="kern-form-check__radio"
                        type="radio"
                        name="link-mode"
                        checked={mode === m}
                        onChange={() => setMode(m)}
                      />
                      <label className="kern-label" htmlFor={`link-mode-${m}`}>
                        {m === 'read' ? t('cloudFiles.linkRead') : t('cloudFiles.linkDrop')}
                      </label>
                    </div>
                  ))}
                </div>
              </fieldset>
            )}
            <TextField
              id="link-password"
              type="password"
              autoComplete="new-password"
              minLength={6}
              label={t('cloudFiles.linkPassword')}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <TextField
              id="link-expires"
              type="date"
              label={t('cloudFiles.linkExpires')}
              value={expires}
              min={new Date().toISOString().slice(0, 10)}
              onChange={(e) => setExpires(e.currentTarget.value)}
            />
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('cloudFiles.createLink')}</span>
            </button>
          </form>
        </section>
      </div>
      <footer className="kern-dialog__footer">
        <button
          type="button"
          className="kern-btn kern-btn--secondary"
          onClick={() => dialog.current?.close()}
        >
          <span className="kern-label">{t('cloudFiles.close')}</span>
        </button>
      </footer>
    </dialog>
  );
}
