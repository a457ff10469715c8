import { lazy } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards, type LinkCard } from '../../layout/LinkCards.js';
import { Route, Routes } from 'react-router';
import { EgovLinkCards, OfficeCaseDetail, OfficeCaseList, OfficeProcesses } from '../egov/OfficeCases.js';
import { AreaLanding } from './AreaLanding.js';

const RulesPage = lazy(() => import('../rules/RulesPage.js'));
const AlertsPage = lazy(() => import('../rules/AlertsPage.js'));
const WorkListPage = lazy(() => import('../rules/WorkListPage.js'));
const DashboardEditorPage = lazy(() => import('../dashboard/EditorPage.js'));
const SensorsPage = lazy(() => import('../dashboard/SensorsPage.js'));

/** The back office (`/verwaltung/*`): each domain adds its sub-routes here and its cards on the landing. */
import { Link, Route, Routes } from 'react-router';
import { AreaLanding } from './AreaLanding.js';

const StaffReportsPage = lazy(() => import('../participation/StaffReportsPage.js'));
const StaffNewsPage = lazy(() => import('../participation/StaffNewsPage.js'));

export default function BackofficeArea() {
  return (
    <Routes>
      <Route index element={<BackofficeLanding />} />
      <Route path="regeln" element={<RulesPage />} />
      <Route path="alarme/:alertId?" element={<AlertsPage />} />
      <Route path="aufgaben" element={<WorkListPage />} />
      <Route path="dashboard" element={<DashboardEditorPage />} />
      <Route path="sensoren" element={<SensorsPage />} />
      <Route path="meldungen/*" element={<StaffReportsPage />} />
      <Route path="news/*" element={<StaffNewsPage />} />
    </Routes>
  );
}

function BackofficeLanding() {
  const { t } = useTranslation();
  const cards: LinkCard[] = [
    { to: '/verwaltung/aufgaben', title: t('rules.nav.tasks'), text: t('rules.nav.tasksText') },
    { to: '/verwaltung/alarme', title: t('rules.nav.alerts'), text: t('rules.nav.alertsText') },
    { to: '/verwaltung/regeln', title: t('rules.nav.rules'), text: t('rules.nav.rulesText') },
    { to: '/verwaltung/sensoren', title: t('dashboard.sensors.title') },
    { to: '/verwaltung/dashboard', title: t('dashboard.editor.title') },
  ];
  return (
    <AreaLanding area="backoffice">
      <LinkCards cards={cards} />
/** The landing with one link card per tool of the back office. */
function BackofficeLanding() {
  const { t } = useTranslation();
  const cards = [
    {
      to: '/verwaltung/meldungen',
      title: t('participation.staff.reports'),
      text: t('participation.staff.reportsLead'),
    },
    { to: '/verwaltung/news', title: t('participation.staff.news'), text: t('participation.staff.newsLead') },
  ];
  return (
    <AreaLanding area="backoffice">
      <ul className="kern-list srp-link-cards">
        {cards.map((card) => (
          <li key={card.to} className="kern-stack-xs">
            <Link className="kern-link kern-heading-small" to={card.to}>
              {card.title}
            </Link>
            <p className="kern-body">{card.text}</p>
          </li>
        ))}
      </ul>
    </AreaLanding>
  );
      <Route
        index
        element={
          <AreaLanding area="backoffice">
            <EgovLinkCards />
          </AreaLanding>
        }
      />
      <Route path="vorgaenge" element={<OfficeCaseList />} />
      <Route path="vorgaenge/:caseId" element={<OfficeCaseDetail />} />
      <Route path="prozesse" element={<OfficeProcesses />} />
    </Routes>
  );
}
