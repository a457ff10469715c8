// The one way observations enter the platform, whatever the path (SensorThings HTTP and MQTT, LoRaWAN
// webhooks, bulk import, the demo simulator): check that the streams belong to the municipality, derive
// the FeatureOfInterest from the Thing's Location where none is given, store in one transaction, then
// tell listeners (rules, live dashboards, MQTT subscribers) after the commit.
import { EventEmitter } from 'node:events';
import type { Database } from '../../core/db/database.js';
import { AppError, Errors } from '../../core/errors.js';
import { ObservationRepository, type ObservationRow } from './observation.repository.js';
import type { ObservationInput, StoredObservation } from './observation.types.js';

export interface ObservationEvents {
  stored: [observations: StoredObservation[]];
}

export class ObservationService {
  /** Emits 'stored' after each committed batch; listeners must not throw. */
  readonly events = new EventEmitter<ObservationEvents>();

  constructor(private readonly db: Database) {
    this.events.setMaxListeners(50);
  }

  async create(
    municipalityId: string,
    inputs: ObservationInput[],
    executor?: Database,
  ): Promise<StoredObservation[]> {
    if (inputs.length === 0) return [];
    const run = async (trx: Database) => this.createIn(trx, municipalityId, inputs);
    const stored = executor ? await run(executor) : await this.db.transaction().execute(run);
    // With an outer transaction the caller commits; it is then the caller's job to emit.
    if (!executor) this.events.emit('stored', stored);
    return stored;
  }

  private async createIn(
    db: Database,
    municipalityId: string,
    inputs: ObservationInput[],
  ): Promise<StoredObservation[]> {
    const repository = new ObservationRepository(db);
    for (const input of inputs) {
      if ((input.datastreamId === undefined) === (input.multiDatastreamId === undefined)) {
        throw Errors.validation('An Observation belongs to exactly one Datastream or MultiDatastream');
      }
    }
    const datastreams = await repository.datastreamsOf(
      municipalityId,
      distinct(inputs.map((i) => i.datastreamId)),
    );
    const multiDatastreams = await repository.multiDatastreamsOf(
      municipalityId,
      distinct(inputs.map((i) => i.multiDatastreamId)),
    );
    const thingOf = new Map<string, number>([
      ...datastreams.map((d) => [`d${d.id}`, d.thingId] as const),
      ...multiDatastreams.map((d) => [`m${d.id}`, d.thingId] as const),
    ]);
    const explicitFeatures = distinct(inputs.map((i) => i.featureOfInterestId ?? undefined));
    const knownFeatures = new Set(await repository.featuresExist(municipalityId, explicitFeatures));
    const featureOfThing = new Map<number, number>();

    const rows: ObservationRow[] = [];
    for (const input of inputs) {
      const key = input.datastreamId !== undefined ? `d${input.datastreamId}` : `m${input.multiDatastreamId}`;
      const thingId = thingOf.get(key);
      if (thingId === undefined)
        throw Errors.notFound(input.datastreamId !== undefined ? 'Datastream' : 'MultiDatastream');
      let featureId = input.featureOfInterestId ?? undefined;
      if (featureId !== undefined && !knownFeatures.has(featureId))
        throw Errors.notFound('FeatureOfInterest');
      if (featureId === undefined) {
        featureId = featureOfThing.get(thingId) ?? (await this.featureFromLocation(repository, thingId));
        featureOfThing.set(thingId, featureId);
      }
      rows.push(toRow(municipalityId, input, featureId));
    }

    const ids = await repository.insert(rows);
    await this.widenExtents(repository, rows);
    return rows.map((row, i) => ({
      id: ids[i]!,
      municipalityId,
      datastreamId: row.datastream_id,
      multiDatastreamId: row.multi_datastream_id,
      phenomenonTimeStart: row.phenomenon_time_start,
      phenomenonTimeEnd: row.phenomenon_time_end,
      resultTime: row.result_time,
      result: inputs[i]!.result,
      featureOfInterestId: row.feature_of_interest_id,
    }));
  }

  private async featureFromLocation(repository: ObservationRepository, thingId: number): Promise<number> {
    const location = await repository.currentLocationOfThing(thingId);
    if (!location) {
      throw new AppError(
        'feature_of_interest_missing',
        400,
        'The Observation has no FeatureOfInterest and its Thing has no Location to derive one from',
      );
    }
    return (
      (await repository.featureForLocation(location.id)) ??
      (await repository.createFeatureForLocation(location))
    );
  }

  private async widenExtents(repository: ObservationRepository, rows: ObservationRow[]): Promise<void> {
    const extents = new Map<
      string,
      {
        table: 'sensor_datastreams' | 'sensor_multi_datastreams';
        id: number;
        start: Date;
        end: Date;
        rs: Date | null;
        re: Date | null;
      }
    >();
    for (const row of rows) {
      const table = row.datastream_id !== null ? 'sensor_datastreams' : 'sensor_multi_datastreams';
      const id = (row.datastream_id ?? row.multi_datastream_id)!;
      const end = row.phenomenon_time_end ?? row.phenomenon_time_start;
      const e = extents.get(`${table}:${id}`) ?? {
        table,
        id,
        start: row.phenomenon_time_start,
        end,
        rs: null,
        re: null,
      };
      if (row.phenomenon_time_start < e.start) e.start = row.phenomenon_time_start;
      if (end > e.end) e.end = end;
      if (row.result_time) {
        if (!e.rs || row.result_time < e.rs) e.rs = row.result_time;
        if (!e.re || row.result_time > e.re) e.re = row.result_time;
      }
      extents.set(`${table}:${id}`, e);
    }
    for (const e of extents.values())
      await repository.widenTimeExtents(e.table, e.id, e.start, e.end, e.rs, e.re);
  }
}

function distinct(values: (number | undefined)[]): number[] {
  return [...new Set(values.filter((v): v is number => v !== undefined))];
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

function toRow(municipalityId: string, input: ObservationInput, featureId: number): ObservationRow {
  const numeric = typeof input.result === 'number' && Number.isFinite(input.result);
  return {
    municipality_id: municipalityId,
    datastream_id: input.datastreamId ?? null,
    multi_datastream_id: input.multiDatastreamId ?? null,
    feature_of_interest_id: featureId,
    phenomenon_time_start: input.phenomenonTime.start,
    phenomenon_time_end: input.phenomenonTime.end,
    result_time: input.resultTime ?? null,
    result_number: numeric ? (input.result as number) : null,
    result: numeric ? null : json(input.result),
    result_quality: json(input.resultQuality),
    valid_time_start: input.validTime?.start ?? null,
    valid_time_end: input.validTime?.end ?? null,
    parameters: json(input.parameters),
  };
}
