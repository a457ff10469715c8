import { AreaLanding } from './AreaLanding.js';

export default function ServicesArea() {
  return <AreaLanding area="services" />;
}
