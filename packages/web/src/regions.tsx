import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { PublicMunicipality, PublicRegion, PublicRegionList } from '@srp/contracts';
import { api } from './api.js';

export type RegionsState =
  { status: 'loading' } | { status: 'ready'; regions: PublicRegion[] } | { status: 'error'; error: unknown };

const RegionsContext = createContext<RegionsState>({ status: 'loading' });

/** Loads the public region list once: the header, the start page and municipality pages all use it. */
export function RegionsProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<RegionsState>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    api.get<PublicRegionList>('/api/public/regions').then(
      (list) => active && setState({ status: 'ready', regions: list.regions }),
      (error: unknown) => active && setState({ status: 'error', error }),
    );
    return () => {
      active = false;
    };
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
  if (state.status !== 'ready' || state.regions.length !== 1) return fallback;
  const name = state.regions[0]!.name.trim();
  if (/^smart region\b/i.test(name)) return name;
  return `Smart Region ${name.replace(/^region\s+/i, '')}`;
}

export function usePlatformName(fallback: string): string {
  return platformNameFor(useRegions(), fallback);
}
