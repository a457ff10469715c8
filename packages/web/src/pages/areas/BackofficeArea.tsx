import { lazy } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards, type LinkCard } from '../../layout/LinkCards.js';
import { AreaLanding } from './AreaLanding.js';

const RulesPage = lazy(() => import('../rules/RulesPage.js'));
const AlertsPage = lazy(() => import('../rules/AlertsPage.js'));
const WorkListPage = lazy(() => import('../rules/WorkListPage.js'));
const DashboardEditorPage = lazy(() => import('../dashboard/EditorPage.js'));
const SensorsPage = lazy(() => import('../dashboard/SensorsPage.js'));
const StaffReportsPage = lazy(() => import('../participation/StaffReportsPage.js'));
const StaffNewsPage = lazy(() => import('../participation/StaffNewsPage.js'));
const StaffFeedbackPage = lazy(() => import('../participation/StaffFeedbackPage.js'));
const StaffCategoriesPage = lazy(() => import('../participation/StaffCategoriesPage.js'));
const OfficeCaseList = lazy(() =>
  import('../egov/OfficeCases.js').then((m) => ({ default: m.OfficeCaseList })),
);
const OfficeCaseDetail = lazy(() =>
  import('../egov/OfficeCases.js').then((m) => ({ default: m.OfficeCaseDetail })),
);
const OfficeProcesses = lazy(() =>
  import('../egov/OfficeCases.js').then((m) => ({ default: m.OfficeProcesses })),
);
// The designer pulls in form-js editor and bpmn-js: its own chunk, loaded only on its route.
const ProcessDesigner = lazy(() => import('../egov/ProcessDesigner.js'));

/** The back office (`/verwaltung/*`): each domain adds its sub-routes here and its cards on the landing. */
export default function BackofficeArea() {
  return (
    <Routes>
      <Route index element={<BackofficeLanding />} />
      <Route path="aufgaben" element={<WorkListPage />} />
      <Route path="vorgaenge" element={<OfficeCaseList />} />
      <Route path="vorgaenge/:caseId" element={<OfficeCaseDetail />} />
      <Route path="prozesse" element={<OfficeProcesses />} />
      <Route path="prozesse/:serviceId/versionen/:versionId" element={<ProcessDesigner />} />
      <Route path="meldungen/*" element={<StaffReportsPage />} />
      <Route path="news/*" element={<StaffNewsPage />} />
      <Route path="rueckmeldungen" element={<StaffFeedbackPage />} />
      <Route path="meldekategorien" element={<StaffCategoriesPage />} />
      <Route path="alarme/:alertId?" element={<AlertsPage />} />
      <Route path="regeln" element={<RulesPage />} />
      <Route path="sensoren" element={<SensorsPage />} />
      <Route path="dashboard" element={<DashboardEditorPage />} />
    </Routes>
  );
}

function BackofficeLanding() {
  const { t } = useTranslation();
  const cards: LinkCard[] = [
    { to: '/verwaltung/aufgaben', title: t('rules.nav.tasks'), text: t('rules.nav.tasksText') },
    { to: '/verwaltung/vorgaenge', title: t('egov.office.cases'), text: t('egov.office.casesTeaser') },
    {
      to: '/verwaltung/meldungen',
      title: t('participation.staff.reports'),
      text: t('participation.staff.reportsLead'),
    },
    { to: '/verwaltung/alarme', title: t('rules.nav.alerts'), text: t('rules.nav.alertsText') },
    { to: '/verwaltung/regeln', title: t('rules.nav.rules'), text: t('rules.nav.rulesText') },
    { to: '/verwaltung/sensoren', title: t('dashboard.sensors.title') },
    { to: '/verwaltung/dashboard', title: t('dashboard.editor.title') },
    { to: '/verwaltung/news', title: t('participation.staff.news'), text: t('participation.staff.newsLead') },
    {
      to: '/verwaltung/rueckmeldungen',
      title: t('participation.staff.feedback'),
      text: t('participation.staff.feedbackLead'),
    },
    {
      to: '/verwaltung/meldekategorien',
      title: t('participation.staff.categories'),
      text: t('participation.staff.categoriesLead'),
    },
    {
      to: '/verwaltung/prozesse',
      title: t('egov.office.processes'),
      text: t('egov.office.processesTeaser'),
    },
  ];
  return (
    <AreaLanding area="backoffice">
      <LinkCards cards={cards} />
    </AreaLanding>
  );
}
