import type { Area } from '@srp/contracts';

/** German paths on purpose: they are read aloud and typed by people in the region. */
export const AREA_PATHS: Record<Area, string> = {
  dashboard: '/dashboard',
  services: '/buergerservice',
  backoffice: '/verwaltung',
  clubcloud: '/vereinscloud',
};

/** Areas whose content is only for signed-in people with a matching role. */
export const AREAS_REQUIRING_LOGIN: readonly Area[] = ['backoffice', 'clubcloud'];

export const LOGIN_PATH = '/anmelden';
export const REQUEST_RESET_PATH = '/passwort-vergessen';
/** The page the reset mail links to (the server builds the link: RESET_PAGE_PATH). */
export const RESET_PASSWORD_PATH = '/passwort-zuruecksetzen';

export function loginPathFor(next: string): string {
  return `${LOGIN_PATH}?next=${encodeURIComponent(next)}`;
}

/** Only same-site paths may be used as a target after login (no open redirect to other hosts). */
export function safeNextPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

/**
 * The single sign-on start URL, carrying the page to return to. Only a same-site path other than the start
 * page is passed on; anything else leaves the URL as the server gave it (the server checks `next` again).
 */
export function ssoStartUrl(startUrl: string, next: string | null): string {
  const target = safeNextPath(next);
  if (target === '/') return startUrl;
  const separator = startUrl.includes('?') ? '&' : '?';
  return `${startUrl}${separator}next=${encodeURIComponent(target)}`;
}
