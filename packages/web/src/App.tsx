import { lazy, Suspense, type ComponentType } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import { Layout } from './layout/Layout.js';
import { RequireLogin } from './layout/RequireLogin.js';
import MunicipalityPage from './pages/MunicipalityPage.js';
import NotFoundPage from './pages/NotFoundPage.js';
import StartPage from './pages/StartPage.js';
import { RegionsProvider } from './regions.js';
import { SessionProvider } from './session.js';

// The public start and municipality pages ship in the main bundle: they are where most visits begin.
// Everything else loads on demand, and each area gets its own chunk so it can grow without
// weighing on the others.
const LoginPage = lazy(() => import('./pages/LoginPage.js'));
const PasswordResetPage = lazy(() => import('./pages/PasswordResetPage.js'));
const PasswordResetConfirmPage = lazy(() => import('./pages/PasswordResetConfirmPage.js'));
const RegisterPage = lazy(() => import('./pages/RegisterPage.js'));
const AccountVerifyPage = lazy(() => import('./pages/AccountVerifyPage.js'));
const AccountPage = lazy(() => import('./pages/AccountPage.js'));
const AccountDeletedPage = lazy(() => import('./pages/AccountDeletedPage.js'));
const LegalPage = lazy(() => import('./pages/LegalPage.js'));
const DashboardArea = lazy(() => import('./pages/areas/DashboardArea.js'));
const ServicesArea = lazy(() => import('./pages/areas/ServicesArea.js'));
const BackofficeArea = lazy(() => import('./pages/areas/BackofficeArea.js'));
const ClubcloudArea = lazy(() => import('./pages/areas/ClubcloudArea.js'));
const WarningsPage = lazy(() => import('./pages/warnings/WarningsPage.js'));
const EmbedTilePage = lazy(() => import('./pages/dashboard/EmbedTilePage.js'));
const ParticipationArea = lazy(() => import('./pages/participation/ParticipationArea.js'));
const PlainLanguagePage = lazy(() => import('./pages/participation/PlainLanguagePage.js'));
const MeetingPage = lazy(() => import('./pages/cloud/meetings/MeetingPage.js'));
const PublicLinkPage = lazy(() => import('./pages/cloud/files/PublicLinkPage.js'));

/** `dashboardArea`: the dashboard's chunk when main.tsx already loaded it for the first page. */
export function App({ dashboardArea: LoadedDashboardArea }: { dashboardArea?: ComponentType }) {
  const Dashboard = LoadedDashboardArea ?? DashboardArea;
  return (
    <SessionProvider>
      <RegionsProvider>
        <BrowserRouter>
          <Routes>
            <Route
              path="dashboard/embed/tile/:id"
              element={
                <Suspense fallback={null}>
                  <EmbedTilePage />
                </Suspense>
              }
            />
            <Route element={<Layout />}>
              <Route index element={<StartPage />} />
              <Route path="m/:slug" element={<MunicipalityPage />} />
              <Route path="anmelden" element={<LoginPage />} />
              <Route path="passwort-vergessen" element={<PasswordResetPage />} />
              <Route path="passwort-zuruecksetzen" element={<PasswordResetConfirmPage />} />
              <Route path="konto-erstellen" element={<RegisterPage />} />
              <Route path="konto-bestaetigen" element={<AccountVerifyPage kind="registration" />} />
              <Route path="konto/email-bestaetigen" element={<AccountVerifyPage kind="email" />} />
              <Route path="konto/geloescht" element={<AccountDeletedPage />} />
              <Route
                path="konto"
                element={
                  <RequireLogin>
                    <AccountPage />
                  </RequireLogin>
                }
              />
              <Route path="dashboard/*" element={<Dashboard />} />
              <Route path="buergerservice/*" element={<ServicesArea />} />
              <Route path="warnungen" element={<WarningsPage />} />
              <Route
                path="verwaltung/*"
                element={
                  <RequireLogin>
                    <BackofficeArea />
                  </RequireLogin>
                }
              />
              <Route
                path="vereinscloud/*"
                element={
                  <RequireLogin>
                    <ClubcloudArea />
                  </RequireLogin>
                }
              />
              <Route path="vereinscloud/link/:token" element={<PublicLinkPage />} />
              <Route path="mitmachen/*" element={<ParticipationArea />} />
              <Route path="leichte-sprache" element={<PlainLanguagePage />} />
              <Route path="treffen/:roomId" element={<MeetingPage />} />
              <Route path="barrierefreiheit" element={<LegalPage kind="accessibility" />} />
              <Route path="datenschutz" element={<LegalPage kind="privacy" />} />
              <Route path="impressum" element={<LegalPage kind="imprint" />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </RegionsProvider>
    </SessionProvider>
  );
}
