import pg from 'pg';
import type { Unlisten } from './database.ts';

/** How long to wait before reconnecting a dropped listening connection, doubling up to the maximum. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

type Callback = (payload: string) => void;

/** LISTEN takes an identifier, not a parameter: quote it as one. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One dedicated PostgreSQL connection for LISTEN, shared by every listener of the process. It is
 * opened on the first `listen` and, when it drops (server restart, network, idle timeout), reopened
 * with backoff and every channel listened to again. Notifications sent while it was down are lost,
 * as PostgreSQL queues them only for connected listeners.
 */
export function createPostgresListener(connectionString: string): {
  listen: (channel: string, onNotification: Callback) => Promise<Unlisten>;
  close: () => Promise<void>;
} {
  const channels = new Map<string, Set<Callback>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let retryMs = RETRY_FIRST_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let isClosed = false;

  function deliver(message: pg.Notification): void {
    for (const callback of channels.get(message.channel) ?? []) {
      callback(message.payload ?? '');
    }
  }

  function scheduleReconnect(): void {
    if (isClosed || retryTimer || channels.size === 0) {
      return;
    }
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch(() => scheduleReconnect());
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function dropClient(dropped: pg.Client): void {
    if (client === dropped) {
      client = undefined;
      scheduleReconnect();
    }
  }

  async function openClient(): Promise<pg.Client> {
    const next = new pg.Client({ connectionString, application_name: 'caregraph-listen' });
    // A dropped connection emits 'error' and then 'end'; either way it is replaced.
    next.on('error', () => dropClient(next));
    next.on('end', () => dropClient(next));
    next.on('notification', deliver);
    await next.connect();
    for (const channel of channels.keys()) {
      await next.query(`LISTEN ${quoteIdentifier(channel)}`);
    }
    if (isClosed) {
      await next.end();
      throw new Error('the listener was closed');
    }
    client = next;
    retryMs = RETRY_FIRST_MS;
    return next;
  }

  function connect(): Promise<pg.Client> {
    if (client) {
      return Promise.resolve(client);
    }
    connecting ??= openClient().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  return {
    async listen(channel, onNotification) {
      let callbacks = channels.get(channel);
      const isNewChannel = !callbacks;
      if (!callbacks) {
        callbacks = new Set();
        channels.set(channel, callbacks);
      }
      callbacks.add(onNotification);
      const connected = await connect();
      // LISTEN is idempotent: issuing it again on a connection that just listened to every channel
      // in the map is harmless, and covers a connection opened before this channel was added.
      if (isNewChannel) {
        await connected.query(`LISTEN ${quoteIdentifier(channel)}`);
      }
      return async () => {
        callbacks.delete(onNotification);
        if (callbacks.size === 0 && channels.get(channel) === callbacks) {
          channels.delete(channel);
          await client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => {});
        }
      };
    },
    async close() {
      isClosed = true;
      clearTimeout(retryTimer);
      channels.clear();
      const open = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
