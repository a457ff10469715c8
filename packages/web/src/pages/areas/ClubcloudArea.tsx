import { AreaLanding } from './AreaLanding.js';

export default function ClubcloudArea() {
  return <AreaLanding area="clubcloud" />;
}
