// The public dashboards' first screen as plain HTML in index.html: the heading and the lead paragraph (the
// largest text on a phone's first screen) paint before any script has loaded. The app draws the same
// heading and lead in its first render (DashboardView in packages/web), so replacing this moves nothing.
import { FIRST_SCREEN_DE, fillPlaceholders, type PublicRegion } from '@srp/contracts';
import { escapeHtml, platformTitle, type FirstScreen } from '../core/http/web-pages.js';

// The app's German texts for these places (dashboard.regionTitle / municipalityTitle / lead) come from
// the same constants.
const HEADING = (name: string) => fillPlaceholders(FIRST_SCREEN_DE.dashboardTitle, { name });
const LEAD = FIRST_SCREEN_DE.dashboardLead;

/** The web app's chunk for /dashboard/* (its key in Vite's manifest). */
export const DASHBOARD_CHUNK = 'src/pages/areas/DashboardArea.tsx';

/** Which dashboard a path shows, as the web app's routes read it (packages/web/src/pages/areas). */
function dashboardName(pathname: string, regions: readonly PublicRegion[]): string | null {
  const parts = pathname.split('/').filter(Boolean).map(decodeSegment);
  if (parts[0] !== 'dashboard') return null;
  if (parts.length === 1) return regions.length === 1 ? regions[0]!.name : null;
  if (parts.length !== 3) return null;
  const [, kind, slug] = parts;
  if (kind === 'region') return regions.find((r) => r.slug === slug)?.name ?? null;
  if (kind === 'gemeinde')
    for (const region of regions) {
      const found = region.municipalities.find((m) => m.slug === slug);
      if (found) return found.name;
    }
  return null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

export function dashboardFirstScreen(pathname: string, regions: readonly PublicRegion[]): FirstScreen | null {
  const name = dashboardName(pathname, regions);
  if (name === null) return null;
  const heading = HEADING(name);
  return {
    title: `${heading} – ${platformTitle(regions)}`,
    area: 'dashboard',
    chunks: [DASHBOARD_CHUNK],
    main:
      `<div class="srp-page kern-stack-lg"><h1 tabindex="-1" class="kern-heading-x-large">${escapeHtml(heading)}</h1>` +
      `<p class="kern-body kern-body--large">${escapeHtml(LEAD)}</p></div>`,
  };
}
