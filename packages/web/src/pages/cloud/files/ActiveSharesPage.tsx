// "Aktive Freigaben" (/vereinscloud/dateien/:clubId/freigaben): every active public link of the club and
// every share with groups and members, each with a way to end it. Club admins see all; others see the
// links they created themselves (shares of the whole club are for admins).
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import { linkTerms, shareeName, type PublicLink, type Share } from './ShareDialog.js';

export function ActiveSharesPage() {
  const { t, i18n } = useTranslation();
  const { clubId = '' } = useParams();
  const [links, setLinks] = useState<PublicLink[] | null>(null);
  const [shares, setShares] = useState<Share[] | null>(null);
  const [admin, setAdmin] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const base = `/api/clubs/${clubId}`;

  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('errors.generic')),
    [t],
  );
  const reload = useCallback(() => {
    api.get<{ items: PublicLink[] }>(`${base}/links`).then((r) => setLinks(r.items), fail);
    api.get<{ admin: boolean }>(`${base}/files?limit=1`).then((r) => {
      setAdmin(r.admin);
      if (r.admin) api.get<{ items: Share[] }>(`${base}/shares`).then((s) => setShares(s.items), fail);
    }, fail);
  }, [base, fail]);
  useEffect(reload, [reload]);

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

  return (
    <Page heading={t('cloudFiles.activeShares')}>
      <p className="kern-body">
        {admin ? t('cloudFiles.activeSharesIntro') : t('cloudFiles.activeSharesOwn')}
      </p>
      {error && <Alert variant="danger" title={error} role="alert" />}
      <div aria-live="polite" role="status" className="kern-body">
        {status}
      </div>
      <section aria-labelledby="active-links" className="kern-stack-sm">
        <h2 id="active-links" className="kern-heading-medium">
          {t('cloudFiles.linksHeading')}
        </h2>
        {links === null ? (
          <Loading />
        ) : links.length === 0 ? (
          <p className="kern-body">{t('cloudFiles.noLinks')}</p>
        ) : (
          <ul className="kern-list" data-testid="active-links">
            {links.map((l) => (
              <li key={l.id} className="srp-files-row">
                <span className="kern-body">
                  <strong>{l.nodeName}</strong> · {linkTerms(l, t, i18n.language)}
                </span>
                <button
                  type="button"
                  className="kern-btn kern-btn--secondary kern-btn--small"
                  aria-label={t('cloudFiles.revokeLink', { name: l.nodeName })}
                  onClick={() =>
                    void act(
                      () => api.delete(`${base}/links/${l.id}`),
                      t('cloudFiles.linkRevoked', { name: l.nodeName }),
                    )
                  }
                >
                  <span className="kern-label">{t('cloudFiles.revoke')}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {admin && (
        <section aria-labelledby="active-shares" className="kern-stack-sm">
          <h2 id="active-shares" className="kern-heading-medium">
            {t('cloudFiles.sharesHeading')}
          </h2>
          {shares === null ? (
            <Loading />
          ) : shares.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.noShares')}</p>
          ) : (
            <ul className="kern-list" data-testid="active-member-shares">
              {shares.map((s) => {
                const name = shareeName(s, (n) => t('cloudFiles.group', { name: n }));
                return (
                  <li key={s.id} className="srp-files-row">
                    <span className="kern-body">
                      <strong>{s.nodeName}</strong> · {t('cloudFiles.sharedWith')} {name} ·{' '}
                      {s.access === 'write' ? t('cloudFiles.rightWrite') : t('cloudFiles.rightRead')}
                    </span>
                    <button
                      type="button"
                      className="kern-btn kern-btn--secondary kern-btn--small"
                      aria-label={`${t('cloudFiles.removeShareFor', { name })} (${s.nodeName})`}
                      onClick={() =>
                        void act(
                          () => api.delete(`${base}/shares/${s.id}`),
                          t('cloudFiles.shareRemoved', { name }),
                        )
                      }
                    >
                      <span className="kern-label">{t('cloudFiles.removeShare')}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      )}
      <p className="kern-body">
        <Link className="kern-link" to={`/vereinscloud/dateien/${clubId}`}>
          {t('cloudFiles.backToFolder')}
        </Link>
      </p>
    </Page>
  );
}
