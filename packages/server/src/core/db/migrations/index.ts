// The one migration set, shared by PGlite and PostgreSQL. Append only: a released migration never changes.
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_auth_extras.js';
import * as m0003 from './0003_sensors.js';
import * as m0005 from './0005_observation_storage.js';
import * as m0006 from './0006_devices.js';
import * as m0007 from './0007_work_inbox.js';
import * as m0009 from './0009_sensor_storage_notify_postgis.js';
import * as m0010 from './0010_rules.js';
import * as m0015 from './0015_egov_connect.js';
import * as m0011 from './0011_dashboard.js';
import * as m0012 from './0012_cloud.js';
import * as m0013 from './0013_participation.js';
import * as m0014 from './0014_egov.js';
import * as m0019 from './0019_work_depots.js';
import * as m0020 from './0020_participation_editor.js';
import * as m0018 from './0018_cloud_meetings.js';
import * as m0016 from './0016_cloud_calendar.js';
import * as m0027 from './0027_cloud_uploads.js';
import * as m0025 from './0025_citizen_accounts.js';
import * as m0024 from './0024_multi_datastream_rollups.js';
import * as m0028 from './0028_cloud_exports.js';
import * as m0029 from './0029_egov_redelivery_rounds.js';
import * as m0030 from './0030_club_deletion_requests.js';
import * as m0031 from './0031_sensor_observed_area.js';
import * as m0032 from './0032_sensor_latest_changed_ids.js';

export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_auth_extras': m0002,
  '0003_sensors': m0003,
  '0005_observation_storage': m0005,
  '0006_devices': m0006,
  '0007_work_inbox': m0007,
  '0009_sensor_storage_notify_postgis': m0009,
  '0010_rules': m0010,
  '0015_egov_connect': m0015,
  '0011_dashboard': m0011,
  '0012_cloud': m0012,
  '0013_participation': m0013,
  '0014_egov': m0014,
  '0019_work_depots': m0019,
  '0020_participation_editor': m0020,
  '0018_cloud_meetings': m0018,
  '0016_cloud_calendar': m0016,
  '0027_cloud_uploads': m0027,
  '0025_citizen_accounts': m0025,
  '0024_multi_datastream_rollups': m0024,
  '0028_cloud_exports': m0028,
  '0029_egov_redelivery_rounds': m0029,
  '0030_club_deletion_requests': m0030,
  '0031_sensor_observed_area': m0031,
  '0032_sensor_latest_changed_ids': m0032,
};
