// One platform instance as a child process of bench:sensors, so that it has an event loop (and a heap) of
// its own: the MQTT instances of `--mqtt --instances N`, which use several cores as separate servers in the
// shared subscription would, and the server the read figures are timed against, apart from the client.
// Starts with the environment the parent sends, answers `cpu` with its own CPU time, closes on request.
import { serveBenchChild, startBenchPlatform } from './lib.js';

/** The start of an instance; the bench's other requests (cpu, close) are ChildControl (lib.ts). */
export interface StartPlatformServer {
  kind: 'start';
  env: Record<string, string>;
}

export interface PlatformServerStarted {
  kind: 'started';
  url: string;
}

serveBenchChild<StartPlatformServer>('bench platform server', async (request) => {
  const platform = await startBenchPlatform(request.env);
  const reply: PlatformServerStarted = { kind: 'started', url: platform.url };
  return { reply, close: () => platform.close() };
});
