import { AreaLanding } from './AreaLanding.js';

export default function DashboardArea() {
  return <AreaLanding area="dashboard" />;
}
