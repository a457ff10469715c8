import './fonts/fonts.css';
import '@kern-ux/native/dist/kern.min.css';
import './styles.css';
import { languageReady } from './i18n.js';
import { startTransition, StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// On a dashboard page the server has drawn the heading and lead and preloaded the dashboard's chunk. Waiting
// for that chunk lets the first render draw the same heading and lead (no loading state in between).
const path = window.location.pathname;
const onDashboard = /^\/dashboard(\/|$)/.test(path) && !path.startsWith('/dashboard/embed/');
const dashboardArea: Promise<ComponentType | undefined> = onDashboard
  ? import('./pages/areas/DashboardArea.js').then(
      (module) => module.default,
      () => undefined, // the route's own lazy loading tries again and shows its error
    )
  : Promise.resolve(undefined);

// The first render as a transition: React renders in slices of a few milliseconds and yields in between,
// instead of one long task that blocks the phone while the server-drawn first screen is already visible.
void Promise.all([dashboardArea, languageReady]).then(([loaded]) =>
  startTransition(() =>
    createRoot(root).render(
      <StrictMode>
        <App dashboardArea={loaded} />
      </StrictMode>,
    ),
  ),
);
