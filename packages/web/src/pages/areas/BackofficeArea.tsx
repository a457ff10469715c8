import { AreaLanding } from './AreaLanding.js';

export default function BackofficeArea() {
  return <AreaLanding area="backoffice" />;
}
