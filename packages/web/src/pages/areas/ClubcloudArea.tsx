import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards } from '../../layout/LinkCards.js';
import { Loading } from '../../layout/Loading.js';
import { AreaLanding } from './AreaLanding.js';

// The calendar has its own chunk, loaded when a member opens it.
const CalendarPage = lazy(() => import('../cloud/calendar/CalendarPage.js'));

export default function ClubcloudArea() {
  const { t } = useTranslation();
  return (
    <Routes>
      <Route
        path="kalender"
        element={
          <Suspense fallback={<Loading />}>
            <CalendarPage />
          </Suspense>
        }
      />
      <Route
        path="*"
        element={
          <AreaLanding area="clubcloud">
            <LinkCards cards={[{ to: '/vereinscloud/kalender', title: t('cloudCalendar.title') }]} />
          </AreaLanding>
        }
      />
    </Routes>
  );
}
