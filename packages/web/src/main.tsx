import './fonts/fonts.css';
import '@kern-ux/native/dist/kern.min.css';
import './styles.css';
import { startTransition, StrictMode, type ComponentType } from 'react';

// Start-up in steps, each evaluated in a task of its own: React DOM, the texts, the app, the dashboard's
// chunk. As one module graph they were one task of 200+ ms on a throttled phone, with the server-drawn
// first screen already visible and nothing able to respond. The server preloads all of them with the page
// (web-pages.ts), so the steps add no network round trips.
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// On a dashboard page the server has drawn the heading and lead and preloaded the dashboard's chunk. Waiting
// for that chunk lets the first render draw the same heading and lead (no loading state in between).
const path = window.location.pathname;
const onDashboard = /^\/dashboard(\/|$)/.test(path) && !path.startsWith('/dashboard/embed/');

async function start(container: HTMLElement): Promise<void> {
  const { createRoot } = await import('react-dom/client');
  await nextTask();
  const { languageReady } = await import('./i18n.js');
  await nextTask();
  const { App } = await import('./App.js');
  await nextTask();
  const dashboardArea: ComponentType | undefined = onDashboard
    ? await import('./pages/areas/DashboardArea.js').then(
        (module) => module.default,
        () => undefined, // the route's own lazy loading tries again and shows its error
      )
    : undefined;
  await languageReady;
  // The first render as a transition: React renders in slices of a few milliseconds and yields in between.
  startTransition(() =>
    createRoot(container).render(
      <StrictMode>
        <App dashboardArea={dashboardArea} />
      </StrictMode>,
    ),
  );
}

void start(root);
