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
}
