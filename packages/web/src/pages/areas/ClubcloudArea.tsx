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
