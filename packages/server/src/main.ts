// Entry point of `npm start`: one platform instance with the configuration from the environment.
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, parseConfig } from './config.js';
import { startPlatform } from './server.js';

const startedAt = performance.now();

let config;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    console.error('See .env.example for every setting and its meaning.');
    process.exit(1);
  }
  throw error;
}

const log = pino({ level: config.LOG_LEVEL });
const platform = await startPlatform(config, { log }).catch((error: unknown) => {
  log.fatal({ err: error }, 'could not start');
  process.exit(1);
});

const admin = platform.bootstrap.adminCreated;
if (admin?.generatedPassword) {
  // Printed once, on purpose not into the structured log.
  console.log(
    `\n  Platform admin created: ${admin.email}\n  Password (shown only now): ${admin.generatedPassword}\n` +
      '  Set ADMIN_EMAIL and ADMIN_PASSWORD before the first start to choose them yourself.\n',
  );
}
log.info(
  {
    url: config.PUBLIC_URL,
    database: platform.ctx.database.kind,
    startupMs: Math.round(performance.now() - startedAt),
  },
  'Smart Region Platform ready',
);

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  await platform.close();
});
