// Shared set-up of the SensorThings tests: a started platform, a tenant with staff, clients.
import assert from 'node:assert/strict';
import type { Municipality } from '../../core/db/schema.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  TEST_PASSWORD,
} from '../../test-support/factories.js';
import { TestClient, type Response } from '../../test-support/http.js';
import type { TestServer } from '../../test-support/server.js';

export const ROOT = '/sta/v1.1';

export interface StaTenant {
  municipality: Municipality;
  other: Municipality;
  staff: StaClient;
  otherStaff: StaClient;
  anonymous: StaClient;
}

export class StaClient extends TestClient {
  sta<T = Record<string, unknown>>(
    method: string,
    path: string,
    json?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response<T>> {
    return this.request<T>(method, ROOT + path, {
      ...(json === undefined ? {} : { json }),
      ...(headers ? { headers } : {}),
    });
  }
  list(path: string) {
    return this.sta<{ value: Record<string, unknown>[]; '@iot.count'?: number; '@iot.nextLink'?: string }>(
      'GET',
      path,
    );
  }
  async create(path: string, json: unknown): Promise<number> {
    const res = await this.sta<{ '@iot.id': number }>('POST', path, json);
    assert.equal(res.status, 201, res.text);
    return res.body['@iot.id'];
  }
  /** The ids, in id order, of the entities of `set` whose name starts with `tag` and that match `filter`. */
  async idsWhere(set: string, tag: string, filter: string): Promise<unknown[]> {
    const res = await this.list(
      `/${set}?$filter=${encodeURIComponent(`startswith(name, '${tag}') and ${filter}`)}&$orderby=id`,
    );
    assert.equal(res.status, 200, res.text);
    return ids(res);
  }
}

export async function staTenant(server: TestServer): Promise<StaTenant> {
  const { region, municipality } = await createTestTenant(server.ctx.db);
  const other = await createTestMunicipality(server.ctx.db, region);
  const user = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const otherUser = await createTestUser(server.ctx.db, { home: other, roles: ['caseworker'] });
  const staff = new StaClient(server.url);
  assert.equal((await staff.login(user.email, TEST_PASSWORD)).status, 200);
  const otherStaff = new StaClient(server.url);
  assert.equal((await otherStaff.login(otherUser.email, TEST_PASSWORD)).status, 200);
  return { municipality, other, staff, otherStaff, anonymous: new StaClient(server.url) };
}

export const point = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] });

export function thingWithDatastream(name: string, x = 8.4, y = 49.0) {
  return {
    name,
    description: `${name} description`,
    properties: { owner: 'Bauhof', floor: 2 },
    Locations: [
      {
        name: `${name} place`,
        description: 'a place',
        encodingType: 'application/geo+json',
        location: point(x, y),
      },
    ],
    Datastreams: [
      {
        name: `${name} temperature`,
        description: 'air temperature',
        observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        unitOfMeasurement: {
          name: 'degree Celsius',
          symbol: '°C',
          definition: 'http://unitsofmeasure.org/ucum.html#para-30',
        },
        Sensor: {
          name: 'DHT22',
          description: 'sensor',
          encodingType: 'application/pdf',
          metadata: 'https://example.org/dht22.pdf',
        },
        ObservedProperty: {
          name: 'Temperature',
          definition: 'https://example.org/temperature',
          description: 'air temperature',
        },
      },
    ],
  };
}

/** Three Things with one Datastream each and five Observations per Datastream. */
export async function dataset(staff: StaClient, tag: string) {
  const things: number[] = [];
  const datastreams: number[] = [];
  for (const [i, [x, y]] of [
    [8.0, 49.0],
    [8.5, 49.5],
    [10.0, 52.0],
  ].entries()) {
    const body = thingWithDatastream(`${tag}-${i}`, x, y);
    body.properties = { owner: i === 0 ? "O'Brien" : 'Bauhof', floor: i };
    const id = await staff.create('/Things', body);
    things.push(id);
    const ds = (await staff.list(`/Things(${id})/Datastreams`)).body.value[0]!['@iot.id'] as number;
    datastreams.push(ds);
    for (let k = 0; k < 5; k++)
      await staff.create(`/Datastreams(${ds})/Observations`, {
        phenomenonTime: `2024-0${k + 1}-1${i}T12:30:00Z`,
        result: i * 10 + k,
      });
  }
  return { things, datastreams };
}

export const ids = (res: { body: { value: Record<string, unknown>[] } }) =>
  res.body.value.map((v) => v['@iot.id']);
