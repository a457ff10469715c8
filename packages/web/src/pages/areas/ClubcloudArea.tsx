import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards, type LinkCard } from '../../layout/LinkCards.js';
import { Loading } from '../../layout/Loading.js';
import { AreaLanding } from './AreaLanding.js';

// Each part of the club cloud is its own lazily loaded module under pages/cloud/.
const FilesArea = lazy(() => import('../cloud/files/FilesPage.js'));
const MeetingRoomsPage = lazy(() => import('../cloud/meetings/MeetingRoomsPage.js'));
const CalendarPage = lazy(() => import('../cloud/calendar/CalendarPage.js'));
const PrivacyPage = lazy(() => import('../cloud/privacy/PrivacyPage.js'));

const lazyPage = (page: ReactNode) => <Suspense fallback={<Loading />}>{page}</Suspense>;

/** The club cloud (`/vereinscloud/*`): each part adds its sub-route here and its card on the landing. */
export default function ClubcloudArea() {
  return (
    <Routes>
      <Route path="dateien/*" element={lazyPage(<FilesArea />)} />
      <Route path="treffen" element={lazyPage(<MeetingRoomsPage />)} />
      <Route path="kalender" element={lazyPage(<CalendarPage />)} />
      <Route path="datenschutz" element={lazyPage(<PrivacyPage />)} />
      <Route path="*" element={<ClubcloudLanding />} />
    </Routes>
  );
}

function ClubcloudLanding() {
  const { t } = useTranslation();
  const cards: LinkCard[] = [
    { to: '/vereinscloud/dateien', title: t('cloudFiles.title'), text: t('cloudFiles.cardText') },
    { to: '/vereinscloud/kalender', title: t('cloudCalendar.title'), text: t('cloudCalendar.cardText') },
    { to: '/vereinscloud/treffen', title: t('meetings.nav.title'), text: t('meetings.nav.text') },
    { to: '/vereinscloud/datenschutz', title: t('cloudPrivacy.title'), text: t('cloudPrivacy.cardText') },
  ];
  return (
    <AreaLanding area="clubcloud">
      <LinkCards cards={cards} />
    </AreaLanding>
  );
}
