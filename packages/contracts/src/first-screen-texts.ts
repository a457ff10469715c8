import type { Area } from './roles.js';

// German texts that appear twice: in the first screen the server writes into index.html before any
// script has loaded, and in the web app's German locale (packages/web/src/locales/de.ts and
// dashboard.ts take them from here). One source, so the server-drawn page and the app's first render
// cannot drift apart. Placeholders use i18next's {{name}} syntax.
export const FIRST_SCREEN_DE = {
  platformName: 'Smart Region Südkreis',
  skipLink: 'Zum Inhalt springen',
  menu: 'Menü',
  mainNavigation: 'Hauptnavigation',
  switchLanguage: 'English',
  login: 'Anmelden',
  areaNames: {
    dashboard: 'Dashboard',
    services: 'Bürgerservice',
    backoffice: 'Verwaltung',
    clubcloud: 'Vereinscloud',
  } satisfies Record<Area, string>,
  dashboardTitle: 'Dashboard {{name}}',
  dashboardLead:
    'Messwerte aus der Region, live und für alle offen. Die Werte aktualisieren sich von selbst.',
};

/** Fills {{key}} placeholders the way i18next does for plain values (no escaping: callers escape). */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * "Smart Region <region>" when the platform serves exactly one region; the fallback otherwise. Shared so
 * that the server's pre-rendered header and the app name the platform alike. It lives here, not beside
 * the region schemas in tenancy.ts: a module with TypeBox schemas pulls TypeBox (18 KB gzip) into
 * every page of the web app that imports any of its values.
 */
export function platformNameFor(regions: readonly { name: string }[], fallback: string): string {
  if (regions.length !== 1) return fallback;
  const name = regions[0]!.name.trim();
  if (/^smart region\b/i.test(name)) return name;
  return `Smart Region ${name.replace(/^region\s+/i, '')}`;
}
