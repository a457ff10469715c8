import { Route, Routes } from 'react-router';
import { EgovLinkCards, OfficeCaseDetail, OfficeCaseList, OfficeProcesses } from '../egov/OfficeCases.js';
import { AreaLanding } from './AreaLanding.js';

export default function BackofficeArea() {
  return (
    <Routes>
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
