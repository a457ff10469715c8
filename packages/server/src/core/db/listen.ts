// LISTEN/NOTIFY for in-process caches that must stay correct with several server instances on one
// PostgreSQL: a notification arrives after the notifying transaction committed. PostgreSQL needs a
// connection of its own outside the pool (a pooled one would be handed to queries); it reconnects after a
// failure, and tells the listener while it is not live, so that caches can stop trusting themselves.
// PGlite is one in-process connection with the same semantics.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface ChannelListener {
  /** A notification on the channel (its transaction has committed). */
  notify(payload: string): void;
  /** false while notifications may be missed (connection lost, reconnecting); true once listening again. */
  live(live: boolean): void;
}

const RECONNECT_MS = 1_000;

export async function listenPostgres(
  connectionString: string,
  channel: string,
  listener: ChannelListener,
): Promise<() => Promise<void>> {
  let current: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString });
    let failed = false;
    const lost = () => {
      if (failed) return;
      failed = true;
      void client.end().catch(() => undefined);
      if (current !== client) return; // still connecting: connect() rejects and the caller retries
      current = null;
      listener.live(false);
      schedule();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === channel) listener.notify(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      lost();
      throw error;
    }
    if (stopped) {
      await client.end();
      return;
    }
    current = client;
    listener.live(true);
  };
  const schedule = () => {
    if (stopped) return;
    retry = setTimeout(() => void connect().catch(schedule), RECONNECT_MS);
    retry.unref();
  };

  // Not listening yet is no reason to fail the caller: it stays not live until a retry succeeds.
  await connect().catch(schedule);
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const client = current;
    current = null;
    await client?.end();
  };
}

export async function listenPGlite(
  client: PGlite,
  channel: string,
  listener: ChannelListener,
): Promise<() => Promise<void>> {
  const unlisten = await client.listen(channel, (payload) => listener.notify(payload));
  listener.live(true);
  return () => unlisten();
}
