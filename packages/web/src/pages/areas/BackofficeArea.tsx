import { lazy } from 'react';
import { Route, Routes } from 'react-router';
import { RulesLinkCards } from '../rules/shared.js';
import { AreaLanding } from './AreaLanding.js';

const RulesPage = lazy(() => import('../rules/RulesPage.js'));
const AlertsPage = lazy(() => import('../rules/AlertsPage.js'));
const WorkListPage = lazy(() => import('../rules/WorkListPage.js'));

export default function BackofficeArea() {
  return (
    <Routes>
      <Route
        index
        element={
          <AreaLanding area="backoffice">
            <RulesLinkCards />
          </AreaLanding>
        }
      />
      <Route path="regeln" element={<RulesPage />} />
      <Route path="alarme/:alertId?" element={<AlertsPage />} />
      <Route path="aufgaben" element={<WorkListPage />} />
    </Routes>
  );
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { AreaLanding } from './AreaLanding.js';

const DashboardEditorPage = lazy(() => import('../dashboard/EditorPage.js'));
const SensorsPage = lazy(() => import('../dashboard/SensorsPage.js'));

/** The back office (`/verwaltung/*`): each domain adds its sub-route here and a link card on the landing. */
export default function BackofficeArea() {
  return (
    <Routes>
      <Route index element={<BackofficeLanding />} />
      <Route path="dashboard" element={<DashboardEditorPage />} />
      <Route path="sensoren" element={<SensorsPage />} />
    </Routes>
  );
}

function BackofficeLanding() {
  const { t } = useTranslation();
  const links = [
    { to: '/verwaltung/dashboard', label: t('dashboard.editor.title') },
    { to: '/verwaltung/sensoren', label: t('dashboard.sensors.title') },
  ];
  return (
    <AreaLanding area="backoffice">
      <ul className="srp-tiles">
        {links.map((link) => (
          <li key={link.to} className="kern-card kern-card--small kern-card--interactive">
            <div className="kern-card__container">
              <Link to={link.to} className="kern-link kern-link--stretched">
                {link.label}
              </Link>
            </div>
          </li>
        ))}
      </ul>
    </AreaLanding>
  );
}
