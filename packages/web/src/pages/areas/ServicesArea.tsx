import PortalArea from '../egov/PortalArea.js';

export default function ServicesArea() {
  return <PortalArea />;
}
