// SQL of the simulator: which back-fill chunks are done (written in the transaction of their observations).
import type { Database } from '../../core/db/database.js';

export class SimulatorRepository {
  constructor(private readonly db: Database) {}

  /** Claims a chunk; false when it was written before. */
  async claimChunk(chunkKey: string, observations: number): Promise<boolean> {
    const result = await this.db
      .insertInto('sensor_backfill_chunks')
      .values({ chunk_key: chunkKey, observations })
      .onConflict((oc) => oc.column('chunk_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async chunkObservations(prefix: string): Promise<{ chunks: number; observations: number }> {
    const row = await this.db
      .selectFrom('sensor_backfill_chunks')
      .select((eb) => [
        eb.fn.countAll<number>().as('chunks'),
        eb.fn.sum<number>('observations').as('observations'),
      ])
      .where('chunk_key', 'like', `${prefix}%`)
      .executeTakeFirstOrThrow();
    return { chunks: Number(row.chunks), observations: Number(row.observations ?? 0) };
  }
}
