import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { AREA_PATHS, LOGIN_PATH } from '../paths.js';
import { changeLanguage, currentLanguage } from '../i18n.js';
import { usePlatformName } from '../regions.js';
import { useSession } from '../session.js';

export function Header() {
  const { t } = useTranslation();
  const platformName = usePlatformName(t('common.platformName'));
  const { session, areas, logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const menuId = useId();
  const menuButton = useRef<HTMLButtonElement>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [logoutFailed, setLogoutFailed] = useState(false);

  // A followed link replaces the page, so the small-screen menu must not stay open over it.
  useEffect(() => setMenuOpen(false), [location.key]);

  function closeOnEscape(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  }

  async function signOut() {
    setLogoutFailed(false);
    try {
      await logout();
      await navigate('/');
    } catch {
      setLogoutFailed(true);
    }
  }

  const otherLanguage = currentLanguage() === 'de' ? 'en' : 'de';
  const user = session.user;

  return (
    <header className="srp-header" onKeyDown={closeOnEscape}>
      <div className="kern-container srp-header__bar">
        <Link to="/" className="srp-brand">
          {platformName}
        </Link>
        <button
          ref={menuButton}
          type="button"
          className="kern-btn kern-btn--secondary srp-menu-button"
          aria-expanded={menuOpen}
          aria-controls={menuId}
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span
            className={`kern-icon ${menuOpen ? 'kern-icon--close' : 'kern-icon--dehaze'}`}
            aria-hidden="true"
          />
          <span className="kern-label">{t('header.menu')}</span>
        </button>
        <div id={menuId} className={menuOpen ? 'srp-menu srp-menu--open' : 'srp-menu'}>
          <nav aria-label={t('header.mainNavigation')} className="srp-nav">
            <ul>
              {areas.map((area) => (
                <li key={area}>
                  <NavLink to={AREA_PATHS[area]} className="srp-nav__link">
                    {t(`areas.${area}.name`)}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="srp-tools">
            <button
              type="button"
              className="kern-btn kern-btn--tertiary"
              lang={otherLanguage}
              onClick={() => void changeLanguage(otherLanguage)}
            >
              <span className="kern-icon kern-icon--language" aria-hidden="true" />
              <span className="kern-label">{t('header.switchLanguage')}</span>
            </button>
            {user ? (
              <>
                <span className="kern-body kern-body--small srp-user">
                  {t('header.signedInAs', { name: user.displayName })}
                </span>
                <Link to="/konto" className="kern-link">
                  {t('account.link')}
                </Link>
                <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void signOut()}>
                  <span className="kern-icon kern-icon--logout" aria-hidden="true" />
                  <span className="kern-label">{t('header.logout')}</span>
                </button>
              </>
            ) : (
              <Link to={LOGIN_PATH} className="kern-btn kern-btn--primary">
                <span className="kern-label">{t('header.login')}</span>
              </Link>
            )}
          </div>
        </div>
      </div>
      {logoutFailed && (
        <div className="kern-container">
          <p className="kern-body srp-inline-error" role="alert">
            <span className="kern-icon kern-icon--danger" aria-hidden="true" />
            {t('header.logoutFailed')}
          </p>
        </div>
      )}
    </header>
  );
}
