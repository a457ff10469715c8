// The one way observations enter the platform, whatever the path (SensorThings HTTP and MQTT, LoRaWAN
// webhooks, bulk import, the demo simulator): check that the streams belong to the municipality, derive
// the FeatureOfInterest from the Thing's Location where none is given, store in one transaction, then
// tell listeners (rules, live dashboards, MQTT subscribers) after the commit.
import { EventEmitter } from 'node:events';
import type { Database } from '../../core/db/database.js';
import { AppError, Errors } from '../../core/errors.js';
import {
  ObservationRepository,
  type ObservationPosition,
  type ObservationRow,
} from './observation.repository.js';
import type { ObservationInput, StoredObservation } from './observation.types.js';

/** Orders the stream locks of group commits under way at once (see createGroups). */
export interface LockTurn {
  /** Settles when the batch started before this one holds its locks (or gave up). */
  after: Promise<void>;
  /** Called when this batch holds its locks or failed; calling it again does nothing. */
  locked: () => void;
}

export interface ObservationEvents {
  stored: [observations: StoredObservation[]];
}

export class ObservationService {
  /** Emits 'stored' after each committed batch; listeners must not throw. */
  readonly events = new EventEmitter<ObservationEvents>();

  constructor(private readonly db: Database) {
    this.events.setMaxListeners(50);
  }

  /** UTC months ("2026-11") whose partition is known to exist (committed); saves a round trip per batch. */
  readonly #partitionMonths = new Set<string>();

  async create(
    municipalityId: string,
    inputs: ObservationInput[],
    executor?: Database,
  ): Promise<StoredObservation[]> {
    if (inputs.length === 0) return [];
    const months = new Set<string>();
    const run = async (trx: Database) => this.createIn(trx, municipalityId, inputs, months);
    const stored = executor ? await run(executor) : await this.db.transaction().execute(run);
    // A partition created in a transaction that rolls back is gone again, so months are remembered only
    // once committed; with an outer transaction the caller commits, and we keep asking the database.
    // With an outer transaction it is also the caller's job to emit.
    if (!executor) {
      for (const month of months) this.#partitionMonths.add(month);
      this.events.emit('stored', stored);
    }
    return stored;
  }

  /**
   * Stores the observations of several municipalities in ONE transaction and emits 'stored' per group
   * after its commit: the group commit of the MQTT paths, where many small publishes arrive at once and
   * a commit per message would be the bottleneck. Groups run in municipality order, so two instances
   * batching the same municipalities lock their Datastreams in the same order. Fails as a whole.
   *
   * With `turn`, several batches can be under way at once and still lock (and so store) each stream's
   * observations in the order the batches were started: the transaction begins only after `turn.after`
   * and calls `turn.locked()` once it holds all of its locks (or failed). A batch that then waits for a
   * lock the previous one holds gets it right after that commit, while everything else overlaps.
   */
  async createGroups(
    groups: { municipalityId: string; inputs: ObservationInput[] }[],
    turn?: LockTurn,
  ): Promise<StoredObservation[][]> {
    const order = groups
      .map((group, index) => ({ group, index }))
      .sort((a, b) => (a.group.municipalityId < b.group.municipalityId ? -1 : 1));
    const stored: StoredObservation[][] = groups.map(() => []);
    try {
      // Waiting before the transaction holds no connection: the batch before may still need one (a pool
      // of one, PGlite).
      await turn?.after;
      await this.db.transaction().execute(async (trx) => {
        for (const { group, index } of order)
          stored[index] = await this.create(group.municipalityId, group.inputs, trx);
        // Locks are taken by create() just before each insert; all of them are held now.
        turn?.locked();
      });
    } finally {
      turn?.locked();
    }
    // Committed: their months' partitions exist (saves a round trip per month in later batches).
    for (const group of groups)
      for (const input of group.inputs) this.#partitionMonths.add(monthOf(input.phenomenonTime.start));
    for (const observations of stored) if (observations.length > 0) this.events.emit('stored', observations);
    return stored;
  }

  /** The municipality of each (Multi)Datastream among the ids (keys `d<id>` and `m<id>`); no locks. */
  async streamOwners(datastreamIds: number[], multiDatastreamIds: number[]): Promise<Map<string, string>> {
    return new ObservationRepository(this.db).streamOwners(
      distinct(datastreamIds),
      distinct(multiDatastreamIds),
    );
  }

  /**
   * Updates or deletes observations (`change`, inside the caller's transaction `trx`) and then corrects
   * the rollups and latest values derived from them, and the time extents and observedArea of their
   * (Multi)Datastreams. `which` names the observations before the change; `after` finds them again
   * afterwards (an update may move them to another time or Datastream).
   */
  async change(
    trx: Database,
    municipalityId: string,
    which: { ids: number[] } | { featureOfInterestId: number },
    change: () => Promise<void>,
  ): Promise<void> {
    const repository = new ObservationRepository(trx);
    const before = await repository.positionsOf(municipalityId, which);
    await change();
    if ('ids' in which && (await repository.malformedMultiResults(municipalityId, which.ids)).length > 0)
      throw Errors.validation(
        'The result of a MultiDatastream Observation is an array with one value per ObservedProperty',
      );
    const after = 'ids' in which ? await repository.positionsOf(municipalityId, which) : [];
    const positions: ObservationPosition[] = [...before, ...after];
    // Writers of these Datastreams wait until we commit (the same lock and order as the write path).
    const datastreamIds = distinct(positions.map((p) => p.datastreamId ?? undefined));
    const multiDatastreamIds = distinct(positions.map((p) => p.multiDatastreamId ?? undefined));
    await repository.datastreamsOf(municipalityId, datastreamIds);
    await repository.multiDatastreamsOf(municipalityId, multiDatastreamIds);
    await repository.recompute(positions);
    await repository.recomputeExtents(datastreamIds, multiDatastreamIds);
  }

  /**
   * A FeatureOfInterest's geometry changed (`change`, in the caller's transaction): the observedArea of
   * the streams observing it is recomputed, their rows locked as by the write path. Rollups and latest
   * values do not depend on where a feature is.
   */
  async featureMoved(
    trx: Database,
    municipalityId: string,
    featureOfInterestId: number,
    change: () => Promise<void>,
  ): Promise<void> {
    await change();
    const repository = new ObservationRepository(trx);
    const { datastreams, multiDatastreams } = await repository.streamsObserving(featureOfInterestId);
    await repository.datastreamsOf(municipalityId, datastreams);
    await repository.multiDatastreamsOf(municipalityId, multiDatastreams);
    await repository.recomputeExtents(datastreams, multiDatastreams);
  }

  private async createIn(
    db: Database,
    municipalityId: string,
    inputs: ObservationInput[],
    months: Set<string>,
  ): Promise<StoredObservation[]> {
    const repository = new ObservationRepository(db);
    inputs.forEach((input, index) => {
      if ((input.datastreamId === undefined) === (input.multiDatastreamId === undefined)) {
        throw Errors.validation('An Observation belongs to exactly one Datastream or MultiDatastream', {
          index,
        });
      }
      if (!(input.phenomenonTime.start instanceof Date) || Number.isNaN(input.phenomenonTime.start.getTime()))
        throw Errors.validation('The phenomenon time is not a valid time', { index });
    });
    const datastreams = await repository.datastreamsOf(
      municipalityId,
      distinct(inputs.map((i) => i.datastreamId)),
    );
    const multiDatastreams = await repository.multiDatastreamsOf(
      municipalityId,
      distinct(inputs.map((i) => i.multiDatastreamId)),
    );
    // The spec's rule for MultiDatastreams: one result value per ObservedProperty, in their order.
    const components = new Map(multiDatastreams.map((d) => [d.id, d.components]));
    inputs.forEach((input, index) => {
      if (input.multiDatastreamId === undefined) return;
      const n = components.get(input.multiDatastreamId);
      if (n !== undefined && (!Array.isArray(input.result) || input.result.length !== n))
        throw Errors.validation(
          `The result of an Observation of MultiDatastream ${input.multiDatastreamId} is an array of ${n} values`,
          { index },
        );
    });
    const thingOf = new Map<string, number>([
      ...datastreams.map((d) => [`d${d.id}`, d.thingId] as const),
      ...multiDatastreams.map((d) => [`m${d.id}`, d.thingId] as const),
    ]);
    const explicitFeatures = distinct(inputs.map((i) => i.featureOfInterestId ?? undefined));
    const knownFeatures = new Set(await repository.featuresExist(municipalityId, explicitFeatures));

    // Resolve the Things whose Location gives the FeatureOfInterest, all at once.
    const thingIds = new Set<number>();
    inputs.forEach((input, index) => {
      const key = input.datastreamId !== undefined ? `d${input.datastreamId}` : `m${input.multiDatastreamId}`;
      const thingId = thingOf.get(key);
      if (thingId === undefined)
        throw new AppError(
          'not_found',
          404,
          `${input.datastreamId !== undefined ? 'Datastream' : 'MultiDatastream'} not found`,
          { index },
        );
      const featureId = input.featureOfInterestId ?? undefined;
      if (featureId !== undefined && !knownFeatures.has(featureId))
        throw new AppError('not_found', 404, 'FeatureOfInterest not found', { index });
      if (featureId === undefined) thingIds.add(thingId);
    });
    const featureOfThing = new Map<number, number>();
    const createdFeatures = new Set<number>();
    // Found with the stream locks (one round trip less while other writers queue behind them).
    const current = new Map([...datastreams, ...multiDatastreams].map((d) => [d.thingId, d.featureId]));
    for (const thingId of thingIds) {
      const known = current.get(thingId);
      featureOfThing.set(
        thingId,
        known ?? (await this.featureFromLocation(repository, thingId, createdFeatures)),
      );
    }

    const rows: ObservationRow[] = inputs.map((input) => {
      const key = input.datastreamId !== undefined ? `d${input.datastreamId}` : `m${input.multiDatastreamId}`;
      const featureId = input.featureOfInterestId ?? featureOfThing.get(thingOf.get(key)!)!;
      return toRow(municipalityId, input, featureId);
    });

    const missing = new Map<string, Date>();
    for (const row of rows) {
      const t = row.phenomenon_time_start;
      const month = monthOf(t);
      months.add(month);
      if (!this.#partitionMonths.has(month) && !missing.has(month))
        missing.set(month, new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1)));
    }
    await repository.ensurePartitions([...missing.values()]);

    const ids = await repository.insert(municipalityId, rows);
    return rows.map((row, i) => {
      const stored: StoredObservation = {
        id: ids[i]!,
        municipalityId,
        datastreamId: row.datastream_id,
        multiDatastreamId: row.multi_datastream_id,
        phenomenonTimeStart: row.phenomenon_time_start,
        phenomenonTimeEnd: row.phenomenon_time_end,
        resultTime: row.result_time,
        result: inputs[i]!.result,
        resultQuality: inputs[i]!.resultQuality ?? null,
        validTimeStart: row.valid_time_start,
        validTimeEnd: row.valid_time_end,
        parameters: inputs[i]!.parameters ?? null,
        featureOfInterestId: row.feature_of_interest_id,
      };
      // Set afterwards rather than spread in: a spread literal is a slow path in V8.
      if (createdFeatures.delete(row.feature_of_interest_id)) stored.featureCreated = true;
      return stored;
    });
  }

  private async featureFromLocation(
    repository: ObservationRepository,
    thingId: number,
    created: Set<number>,
  ): Promise<number> {
    const location = await repository.currentLocationOfThing(thingId);
    if (!location) {
      throw new AppError(
        'feature_of_interest_missing',
        400,
        'The Observation has no FeatureOfInterest and its Thing has no Location to derive one from',
      );
    }
    const existing = await repository.featureForLocation(location.id);
    if (existing !== undefined) return existing;
    const id = await repository.createFeatureForLocation(location);
    created.add(id);
    return id;
  }
}

/** The UTC month of an instant, e.g. "2026-11": the key of its partition. */
function monthOf(t: Date): string {
  return `${t.getUTCFullYear()}-${t.getUTCMonth() + 1}`;
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
