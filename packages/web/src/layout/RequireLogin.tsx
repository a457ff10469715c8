import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { loginPathFor } from '../paths.js';
import { useSession } from '../session.js';
import { Loading } from './Loading.js';

/** Sends anonymous visitors to the login page, which brings them back here afterwards. */
export function RequireLogin({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <Loading />;
  if (state.session.user === null) {
    return <Navigate to={loginPathFor(location.pathname + location.search)} replace />;
  }
  return children;
}
