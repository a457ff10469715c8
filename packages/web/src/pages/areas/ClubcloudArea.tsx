import { lazy } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards, type LinkCard } from '../../layout/LinkCards.js';
import { AreaLanding } from './AreaLanding.js';

const MeetingRoomsPage = lazy(() => import('../cloud/meetings/MeetingRoomsPage.js'));

/** The club cloud (`/vereinscloud/*`): each part adds its sub-route here and its card on the landing. */
export default function ClubcloudArea() {
  return (
    <Routes>
      <Route path="*" element={<ClubcloudLanding />} />
      <Route path="treffen" element={<MeetingRoomsPage />} />
    </Routes>
  );
}

function ClubcloudLanding() {
  const { t } = useTranslation();
  const cards: LinkCard[] = [
    { to: '/vereinscloud/treffen', title: t('meetings.nav.title'), text: t('meetings.nav.text') },
  ];
  return (
    <AreaLanding area="clubcloud">
      <LinkCards cards={cards} />
    </AreaLanding>
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { LinkCards } from '../../layout/LinkCards.js';
import { Loading } from '../../layout/Loading.js';
import { AreaLanding } from './AreaLanding.js';

// Each part of the club cloud is its own lazily loaded module under pages/cloud/.
const FilesArea = lazy(() => import('../cloud/files/FilesPage.js'));

export default function ClubcloudArea() {
  const { t } = useTranslation();
  const cards = [
    { to: '/vereinscloud/dateien', title: t('cloudFiles.title'), text: t('cloudFiles.cardText') },
  ];
  return (
    <Routes>
      <Route
        path="dateien/*"
        element={
          <Suspense fallback={<Loading />}>
            <FilesArea />
          </Suspense>
        }
      />
      <Route
        path="*"
        element={
          <AreaLanding area="clubcloud">
            <LinkCards cards={cards} />
          </AreaLanding>
        }
      />
    </Routes>
  );
}
