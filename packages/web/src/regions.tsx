import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import {
  platformNameFor as nameForRegions,
  type PublicMunicipality,
  type PublicRegion,
  type PublicRegionList,
} from '@srp/contracts';
import { api } from './api.js';

export type RegionsState =
  { status: 'loading' } | { status: 'ready'; regions: PublicRegion[] } | { status: 'error'; error: unknown };

const RegionsContext = createContext<RegionsState>({ status: 'loading' });

/**
 * The region list the server put into the page (`<script id="srp-regions">`), so the first render already
 * has it; null when it is missing or unreadable (the app then asks the API).
 */
export function inlineRegions(text: string | null | undefined): PublicRegion[] | null {
  if (!text) return null;
  try {
    const list = JSON.parse(text) as Partial<PublicRegionList> | null;
    return Array.isArray(list?.regions) ? list.regions : null;
  } catch {
    return null;
  }
}

function initialRegions(): RegionsState {
  const regions = inlineRegions(document.getElementById('srp-regions')?.textContent);
  return regions ? { status: 'ready', regions } : { status: 'loading' };
}

/** Loads the public region list once: the header, the start page and municipality pages all use it. */
export function RegionsProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<RegionsState>(initialRegions);
  useEffect(() => {
    if (state.status === 'ready') return;
    let active = true;
    api.get<PublicRegionList>('/api/public/regions').then(
      (list) => active && setState({ status: 'ready', regions: list.regions }),
      (error: unknown) => active && setState({ status: 'error', error }),
    );
    return () => {
      active = false;
    };
    // Once per page load: the list is only asked for when the page did not bring it along.
  }, []);
  return <RegionsContext.Provider value={state}>{children}</RegionsContext.Provider>;
}

export function useRegions(): RegionsState {
  return useContext(RegionsContext);
}

export function findMunicipality(
  regions: readonly PublicRegion[],
  slug: string,
): PublicMunicipality | undefined {
  for (const region of regions) {
    const found = region.municipalities.find((municipality) => municipality.slug === slug);
    if (found) return found;
  }
  return undefined;
}

export function allMunicipalities(regions: readonly PublicRegion[]): PublicMunicipality[] {
  return regions
    .flatMap((region) => region.municipalities)
    .sort((a, b) => a.name.localeCompare(b.name, 'de'));
}

/**
 * "Smart Region <region>" when the platform serves exactly one region; the configured default otherwise
 * (while loading, or for several regions).
 */
export function platformNameFor(state: RegionsState, fallback: string): string {
  return state.status === 'ready' ? nameForRegions(state.regions, fallback) : fallback;
}

export function usePlatformName(fallback: string): string {
  return platformNameFor(useRegions(), fallback);
}
