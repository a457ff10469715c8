// One platform instance for bench:sensors --mqtt --instances N (N > 1), run as a child process so that
// several instances really use several cores, as separate servers in the MQTT shared subscription would.
// Starts with the environment the parent sends, answers `cpu` with its own CPU time, closes on request.
import { serveBenchChild, startBenchPlatform } from './lib.js';

/** The start of an instance; the bench's other requests (cpu, close) are ChildControl (lib.ts). */
export interface StartMqttServer {
  kind: 'start';
  env: Record<string, string>;
}

serveBenchChild<StartMqttServer>('bench MQTT server', async (request) => {
  const platform = await startBenchPlatform(request.env);
  return { reply: { kind: 'started' }, close: () => platform.close() };
});
