// The sample uplinks of /work/shared/data/lorawan, read relative to the repository (CI has shared/ beside
// the project). For tests only.
import fs from 'node:fs';
import path from 'node:path';

const SAMPLES = path.resolve(import.meta.dirname, '../../../../../../shared/data/lorawan');

export const sample = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8')) as Record<string, unknown>;
