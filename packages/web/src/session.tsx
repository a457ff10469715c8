import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { navigationFor, type Area, type LoginRequest, type SessionInfo } from '@srp/contracts';
import { api, setCsrfToken } from './api.js';
import { applyAccountLanguage } from './i18n.js';

const ANONYMOUS: SessionInfo = { user: null, roles: [], csrfToken: null };

type SessionState =
  | { status: 'loading' }
  /** `error` set when the session could not be loaded: the app then works as anonymous. */
  | { status: 'ready'; session: SessionInfo; error?: unknown };

interface SessionContextValue {
  state: SessionState;
  /** The current session, anonymous while loading. */
  session: SessionInfo;
  areas: Area[];
  login: (credentials: LoginRequest) => Promise<SessionInfo>;
  logout: () => Promise<void>;
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const apply = useCallback((session: SessionInfo, error?: unknown) => {
    setCsrfToken(session.csrfToken);
    // Covers the password login and the return from single sign-on (a full page load with a session).
    if (session.user) void applyAccountLanguage(session.user.locale);
    setState({ status: 'ready', session, error });
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await api.get<SessionInfo>('/api/auth/session'));
    } catch (error) {
      apply(ANONYMOUS, error);
    }
  }, [apply]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const login = useCallback(
    async (credentials: LoginRequest) => {
      const session = await api.post<SessionInfo>('/api/auth/login', credentials);
      apply(session);
      return session;
    },
    [apply],
  );

  const logout = useCallback(async () => {
    await api.post<void>('/api/auth/logout');
    // The server starts a fresh anonymous session with its own CSRF token; fetch it.
    await refresh();
  }, [refresh]);

  const value = useMemo<SessionContextValue>(() => {
    const session = state.status === 'ready' ? state.session : ANONYMOUS;
    return {
      state,
      session,
      areas: navigationFor(session.roles.map((assignment) => assignment.role)),
      login,
      logout,
      refresh,
    };
  }, [state, login, logout, refresh]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession needs a SessionProvider');
  return value;
}
