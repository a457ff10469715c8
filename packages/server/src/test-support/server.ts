// Starts the real platform for end-to-end tests: a free port, its own in-memory PGlite (or a fresh
// schema-shared PostgreSQL when the lane says so), optionally the demo region, and the built web app.
import fs from 'node:fs/promises';
import type { Agent } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parseConfig, type Config } from '../config.js';
import { startPlatform, type RunningPlatform } from '../server.js';
import { openTestDatabase } from './db.js';

export interface TestServerOptions {
  seedDemo?: boolean;
  env?: Record<string, string>;
  webDist?: string | null;
  /** Let the platform open its database from env.DATABASE_URL itself (as in production). */
  ownDatabase?: boolean;
  /** Trust for a local push service in Web Push tests. */
  webPushAgent?: Agent;
}

export interface TestServer extends RunningPlatform {
  config: Config;
  dataDir: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-e2e-'));
  const config = parseConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: 'admin@test.example',
    ADMIN_PASSWORD: 'Plattform-Testpasswort-42',
    DEMO_SEED: options.seedDemo ? 'true' : 'false',
    MQTT_ENABLED: 'false',
    // The daily observation maintenance runs unscoped: with retention it would drop the monthly partitions
    // older than two years for every municipality, and on the PostgreSQL lane the test files share one
    // database, so one server's job removed another file's observations (dated 2016 or 2024) mid-test.
    // retention.db.test.ts tests retention, scoped to its own municipality and months.
    SENSOR_RAW_RETENTION_DAYS: '0',
    SENSOR_ROLLUP_5MIN_RETENTION_DAYS: '0',
    ...options.env,
  });
  const database = options.ownDatabase ? undefined : await openTestDatabase();
  const platform = await startPlatform(config, {
    log: pino({ level: 'silent' }),
    ...(database ? { database } : {}),
    logger: false,
    ...(options.webPushAgent ? { webPushAgent: options.webPushAgent } : {}),
    ...(options.webDist !== undefined ? { webDist: options.webDist } : {}),
  });
  return {
    ...platform,
    config,
    dataDir,
    close: async () => {
      await platform.close();
      await database?.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
