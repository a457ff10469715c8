// Shared set-up of the MQTT tests: free ports, API keys, a published Datastream, message collectors,
// and the Debian mosquitto clients as real third-party clients.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { systemActor } from '../../core/audit/audit.service.js';
import type { TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { staTenant, thingWithDatastream, type StaClient } from '../sensorthings/sta-fixtures.js';

export const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function credential(
  client: StaClient,
  municipalityId: string,
  kind: 'api_key' | 'app_password' = 'api_key',
  scopes = ['sensors:write'],
): Promise<string> {
  const created = await client.post<{ secret: string }>('/api/me/credentials', {
    kind,
    label: 'MQTT device',
    scopes,
    municipalityId,
  });
  assert.equal(created.status, 201, created.text);
  return created.body.secret;
}

/** A tenant with one Thing and Datastream; `publish` makes the Datastream public. */
export async function mqttTenant(server: TestServer, name = 'Pegel') {
  const tenant = await staTenant(server);
  const thing = await tenant.staff.create('/Things', thingWithDatastream(name));
  const datastream = (await tenant.staff.list(`/Things(${thing})/Datastreams`)).body.value[0]![
    '@iot.id'
  ] as number;
  return {
    ...tenant,
    thing,
    datastream,
    publish: () =>
      server.ctx.publications.publish(
        tenant.municipality.id,
        'datastream',
        String(datastream),
        systemActor(),
      ),
  };
}

/** Collects what a client receives, per topic. */
export function collect(client: MqttClient): Map<string, string[]> {
  const received = new Map<string, string[]>();
  client.on('message', (topic, payload) => {
    received.set(topic, [...(received.get(topic) ?? []), payload.toString()]);
  });
  return received;
}

export function received(messages: Map<string, string[]>, topic: string, count = 1): Promise<string[]> {
  return waitFor(`${count} message(s) on ${topic}`, () => {
    const got = messages.get(topic) ?? [];
    return Promise.resolve(got.length >= count ? got : undefined);
  });
}
