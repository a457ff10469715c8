// The one migration set, shared by PGlite and PostgreSQL. Append only: a released migration never changes.
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_auth_extras.js';
import * as m0003 from './0003_sensors.js';
import * as m0005 from './0005_observation_storage.js';
import * as m0006 from './0006_devices.js';
import * as m0007 from './0007_work_inbox.js';
import * as m0014 from './0014_egov.js';

export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_auth_extras': m0002,
  '0003_sensors': m0003,
  '0005_observation_storage': m0005,
  '0006_devices': m0006,
  '0007_work_inbox': m0007,
  '0014_egov': m0014,
};
