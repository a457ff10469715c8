// One platform instance for bench:egov, run as a child process of egov.ts so that the load generator
// does not share its event loop or its CPU accounting. The first instance also creates the municipality
// and the shipped services; further instances only serve. Answers `cpu` with its own CPU time so the
// bench can report the server's CPU per citizen flow (serveBenchChild).
import { pino } from 'pino';
import { parseConfig } from '../packages/server/src/config.js';
import { systemActor } from '../packages/server/src/core/audit/audit.service.js';
import { startPlatform } from '../packages/server/src/server.js';
import { benchMunicipality, serveBenchChild } from './lib.js';

/** The start of an instance; the bench's other requests (cpu, close) are ChildControl (lib.ts). */
export interface StartServer {
  kind: 'start';
  databaseUrl: string;
  dataDir: string;
  poolSize: number;
  seed: boolean;
  jobs: boolean;
}

export interface ServerStarted {
  kind: 'started';
  url: string;
  municipalityId: string | null;
  serviceId: string | null;
}

serveBenchChild<StartServer>('bench server', async (request) => {
  const platform = await startPlatform(
    parseConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: request.dataDir,
      DATABASE_URL: request.databaseUrl,
      DATABASE_POOL_SIZE: String(request.poolSize),
      LOG_LEVEL: 'silent',
      DEMO_SEED: 'false',
      // The process starts after submit in a job: the worker runs them (and the receipt mails).
      JOBS_ENABLED: String(request.jobs),
      METRICS_ENABLED: 'false',
    }),
    { log: pino({ level: 'silent' }), logger: false, webDist: null },
  );
  let municipalityId: string | null = null;
  let serviceId: string | null = null;
  if (request.seed) {
    municipalityId = await benchMunicipality(platform.ctx.db);
    const region = await platform.ctx.db
      .selectFrom('municipalities')
      .select('region_id')
      .where('id', '=', municipalityId)
      .executeTakeFirstOrThrow();
    await platform.ctx.egov.catalogue.ensureShippedServices(region.region_id, systemActor('bench'));
    const offered = await platform.ctx.egov.catalogue.listOffered(municipalityId);
    serviceId = offered.find((s) => s.slug === 'personenstandsurkunde')!.serviceId;
  }
  const reply: ServerStarted = { kind: 'started', url: platform.url, municipalityId, serviceId };
  return { reply, close: () => platform.close() };
});
