// The one migration set, shared by PGlite and PostgreSQL. Append only: a released migration never changes.
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';

export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
};
