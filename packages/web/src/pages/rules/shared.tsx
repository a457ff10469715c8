// Pieces the rules pages share: the municipalities the signed-in person works for, loading JSON with
// a retry-able state.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api.js';
import { useSession } from '../../session.js';
import './rules.css';

export interface StaffMunicipality {
  id: string;
  name: string;
}

/** Municipalities in which the person holds a role (home first), for the municipality choice. */
export function useStaffMunicipalities(): StaffMunicipality[] {
  const { session } = useSession();
  const found = new Map<string, string>();
  const home = session.user?.homeMunicipality;
  if (home && session.roles.some((r) => r.municipality?.id === home.id)) found.set(home.id, home.name);
  for (const role of session.roles)
    if (role.municipality) found.set(role.municipality.id, role.municipality.name);
  return [...found].map(([id, name]) => ({ id, name }));
}

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'error' };

/** GETs `path` (again whenever it or `version` changes); null path = nothing to load yet. */
export function useJson<T>(path: string | null, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  useEffect(() => {
    if (!path) return;
    let active = true;
    api.get<T>(path).then(
      (data) => active && setState({ status: 'ready', data }),
      () => active && setState({ status: 'error' }),
    );
    return () => {
      active = false;
    };
  }, [path, version]);
  return state;
}

/** A counter to bump after a change, so the lists load again. */
export function useReload(): [number, () => void] {
  const [version, setVersion] = useState(0);
  return [version, useCallback(() => setVersion((v) => v + 1), [])];
}

export const formatTime = (iso: string, language: string) =>
  new Date(iso).toLocaleString(language === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Berlin',
  });
