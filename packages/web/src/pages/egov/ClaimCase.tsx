// Adding an anonymous application to one's account. Proof of possession only: the resume token (kept
// in this tab since the resume link was opened), or the receipt's reference together with the resume
// link. The server never links by e-mail address.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { useSession } from '../../session.js';
import { caseApi, resumeTokenOf, type CaseView } from './egovClient.js';

/** On an application opened with its resume link: offer to add it to the account (or to log in first). */
export function ClaimOffer({ view, onClaimed }: { view: CaseView; onClaimed: (view: CaseView) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function claim() {
    try {
      const claimed = await caseApi.json<CaseView>('POST', `/api/egov/cases/${view.id}/claim`, view.id, {});
      setError(null);
      setDone(true);
      onClaimed(claimed);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409 ? t('egov.claim.otherAccount') : t('errors.generic'),
      );
    }
  }

  if (done)
    return (
      <Alert variant="success" title={t('egov.claim.done')} role="status">
        <Link className="kern-link" to="/buergerservice">
          {t('egov.portal.myCases')}
        </Link>
      </Alert>
    );
  if (view.claimable)
    return (
      <section aria-labelledby="egov-claim" className="kern-stack-xs">
        <h2 id="egov-claim" className="kern-heading-medium">
          {t('egov.claim.title')}
        </h2>
        <p className="kern-body">{t('egov.claim.text')}</p>
        {error && <Alert variant="danger" title={error} role="alert" />}
        <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void claim()}>
          <span className="kern-label">{t('egov.claim.button')}</span>
        </button>
      </section>
    );
  if (!session.user && resumeTokenOf(view.id))
    return (
      <p className="kern-body">
        {t('egov.claim.loginHint')}{' '}
        <Link
          className="kern-link"
          to={`/anmelden?next=${encodeURIComponent(`/buergerservice/antraege/${view.id}`)}`}
        >
          {t('header.login')}
        </Link>
      </p>
    );
  return null;
}

/** The resume token from a pasted resume link (after '#') or the bare token. */
export function tokenFromLink(text: string): string | null {
  const candidate = text.trim().split('#').at(-1) ?? '';
  return /^[A-Za-z0-9_-]{20,100}$/.test(candidate) ? candidate : null;
}

/** Under "Meine Anträge": add an application by the receipt's reference and its resume link. */
export function ClaimByReference({ onClaimed }: { onClaimed: () => void }) {
  const { t } = useTranslation();
  const [reference, setReference] = useState('');
  const [link, setLink] = useState('');
  const [errors, setErrors] = useState<{ reference?: string; link?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const token = tokenFromLink(link);
    const found = {
      reference: reference.trim() ? undefined : t('egov.claim.referenceMissing'),
      link: token ? undefined : t('egov.claim.linkInvalid'),
    };
    setErrors(found);
    setAdded(null);
    if (found.reference || found.link || !token) return;
    try {
      const claimed = await api.post<{ id: string; reference: string }>('/api/egov/my/cases/claim', {
        reference: reference.trim(),
        resumeToken: token,
      });
      setFailure(null);
      setAdded(claimed.reference);
      setReference('');
      setLink('');
      onClaimed();
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      setFailure(
        status === 404 || status === 400
          ? t('egov.claim.notFound')
          : status === 409
            ? t('egov.claim.otherAccount')
            : t('errors.generic'),
      );
    }
  }

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="kern-stack-xs"
      noValidate
      aria-labelledby="egov-claim-ref"
    >
      <h3 id="egov-claim-ref" className="kern-heading-small">
        {t('egov.claim.byReferenceTitle')}
      </h3>
      <p className="kern-body">{t('egov.claim.byReferenceText')}</p>
      {failure && <Alert variant="danger" title={failure} role="alert" />}
      {added && <Alert variant="success" title={t('egov.claim.added', { reference: added })} role="status" />}
      <TextField
        id="egov-claim-reference"
        label={t('egov.portal.reference')}
        value={reference}
        error={errors.reference}
        autoComplete="off"
        onChange={(e) => setReference(e.target.value)}
      />
      <TextField
        id="egov-claim-link"
        label={t('egov.claim.link')}
        value={link}
        error={errors.link}
        autoComplete="off"
        onChange={(e) => setLink(e.target.value)}
      />
      <button type="submit" className="kern-btn kern-btn--secondary">
        <span className="kern-label">{t('egov.claim.button')}</span>
      </button>
    </form>
  );
}
