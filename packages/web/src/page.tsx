import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { usePlatformName } from './regions.js';

/** The location key the app was opened with: on that first page, focus stays where the browser puts it. */
export const InitialLocationKey = createContext<string>('default');

// One heading focus per navigation, even if the heading re-renders or a loading heading is replaced.
let lastFocusedLocationKey: string | undefined;

/**
 * The page's h1. After an in-app navigation it takes the focus, so keyboard and screen-reader users
 * start reading the new page at its title instead of staying on the link they activated.
 */
export function PageHeading({ children, className }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const location = useLocation();
  const initialKey = useContext(InitialLocationKey);
  useEffect(() => {
    if (location.key === initialKey || lastFocusedLocationKey === location.key) return;
    lastFocusedLocationKey = location.key;
    ref.current?.focus();
  }, [location.key, initialKey]);
  return (
    <h1 ref={ref} tabIndex={-1} className={className ?? 'kern-heading-x-large'}>
      {children}
    </h1>
  );
}

/** Sets document.title to "<page> – <platform>" (just the platform name when page is undefined). */
export function usePageTitle(page: string | undefined): void {
  const { t } = useTranslation();
  const platform = usePlatformName(t('common.platformName'));
  useEffect(() => {
    document.title = page ? `${page} – ${platform}` : platform;
  }, [page, platform]);
}

/** Common frame of a page: sets the title and renders the focusable h1. */
export function Page({
  title,
  heading,
  children,
}: {
  /** For document.title; defaults to the heading. */
  title?: string;
  heading: string;
  children?: ReactNode;
}) {
  usePageTitle(title ?? heading);
  return (
    <div className="srp-page kern-stack-lg">
      <PageHeading>{heading}</PageHeading>
      {children}
    </div>
  );
}
