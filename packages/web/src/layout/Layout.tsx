import { Suspense, useRef, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation } from 'react-router';
import { InitialLocationKey } from '../page.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { Loading } from './Loading.js';

export function Layout() {
  const { t } = useTranslation();
  const location = useLocation();
  // Captured during the first render, before any page heading mounts and asks for it.
  const initialLocationKey = useRef(location.key).current;
  const main = useRef<HTMLElement>(null);

  // Focus the main region directly: following "#main" would add a history entry the router reacts to.
  function skipToContent(event: MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    main.current?.focus();
    main.current?.scrollIntoView();
  }

  return (
    <InitialLocationKey.Provider value={initialLocationKey}>
      <a href="#main" className="srp-skip-link kern-btn kern-btn--primary" onClick={skipToContent}>
        <span className="kern-label">{t('common.skipLink')}</span>
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1} className="kern-container srp-main">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <Footer />
    </InitialLocationKey.Provider>
  );
}
