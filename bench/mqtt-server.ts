// One platform instance for bench:sensors --mqtt --instances N (N > 1), run as a child process so that
// several instances really use several cores, as separate servers in the MQTT shared subscription would.
// Starts with the environment the parent sends, answers `cpu` with its own CPU time, closes on request.
import type { RunningPlatform } from '../packages/server/src/server.js';
import { startBenchPlatform } from './lib.js';

export type MqttServerRequest =
  { kind: 'start'; env: Record<string, string> } | { kind: 'cpu' } | { kind: 'close' };

export type MqttServerReply = { kind: 'started' } | { kind: 'cpu'; micros: number } | { kind: 'closed' };

const reply = (message: MqttServerReply) => process.send!(message);
let platform: RunningPlatform | null = null;

process.on('message', (request: MqttServerRequest) => {
  void handle(request).catch((error: unknown) => {
    console.error('[bench mqtt server]', error);
    process.exit(1);
  });
});

async function handle(request: MqttServerRequest): Promise<void> {
  if (request.kind === 'cpu') {
    const used = process.cpuUsage();
    reply({ kind: 'cpu', micros: used.user + used.system });
  } else if (request.kind === 'close') {
    await platform?.close();
    reply({ kind: 'closed' });
    process.disconnect();
  } else {
    platform = await startBenchPlatform(request.env);
    reply({ kind: 'started' });
  }
}
