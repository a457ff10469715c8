// Sample uplinks of The Things Stack v3 and ChirpStack v4 for the tests, kept in the repository so a
// clone is self-contained (their payload layout is described in samples/README.md).
import fs from 'node:fs';
import path from 'node:path';

const SAMPLES = path.join(import.meta.dirname, 'samples');

export const sample = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8')) as Record<string, unknown>;
