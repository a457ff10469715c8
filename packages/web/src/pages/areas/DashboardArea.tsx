import { Route, Routes } from 'react-router';
import NotFoundPage from '../NotFoundPage.js';
import {
  MunicipalityDashboard,
  RegionDashboard,
  RegionIndex,
  SharedTilePage,
} from '../dashboard/DashboardPage.js';

/** The public dashboard area (`/dashboard/*`): no login, everything published by the municipalities. */
export default function DashboardArea() {
  return (
    <Routes>
      <Route index element={<RegionIndex />} />
      <Route path="region/:slug" element={<RegionDashboard />} />
      <Route path="gemeinde/:slug" element={<MunicipalityDashboard />} />
      <Route path="kachel/:id" element={<SharedTilePage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
