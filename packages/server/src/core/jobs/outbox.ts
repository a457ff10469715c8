// Events that must not be lost: a producer publishes them inside the transaction of the change that
// caused them, and every listener writes its follow-up (usually a job) with that same transaction. Either
// the change and its follow-ups commit together or neither does, so a crash or a failed insert between
// "committed" and "job enqueued" cannot drop an event (transactional outbox). Listeners must only write
// through the given transaction; a listener that throws rolls the producer's change back.
//
// Fire-and-forget EventEmitters stay for in-process reactions that may be lost (e.g. UI refreshes).
import type { Database } from '../db/database.js';

export type OutboxListener<E> = (event: E, trx: Database) => Promise<void>;

export class TransactionalEvents<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, OutboxListener<never>[]>();

  on<K extends keyof Events>(name: K, listener: OutboxListener<Events[K]>): () => void {
    const list = this.#listeners.get(name) ?? [];
    list.push(listener);
    this.#listeners.set(name, list);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs every listener in the producer's transaction, one after the other (one connection). */
  async publish<K extends keyof Events>(name: K, event: Events[K], trx: Database): Promise<void> {
    for (const listener of this.#listeners.get(name) ?? [])
      await (listener as OutboxListener<Events[K]>)(event, trx);
  }
}
