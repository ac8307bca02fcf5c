import type { Database } from '../../../platform/db/index.ts';
import type { JourneyEdge } from '../queries/graph.ts';
import { databaseEdgeSource } from '../queries/find-paths.ts';
import { readNodes, type JourneyNode, type JourneyScope } from '../queries/journey-nodes.ts';

/** The channel the projection notifies on, in the transaction of each write (see the contract in 0005). */
export const JOURNEY_CHANNEL = 'journey';

/** What the projection sends on commit for each journey node it wrote or removed. */
export type JourneyNotification = { tenant: string; patient: string; ref: string; change: 'upsert' | 'delete' };

/** What a watching client receives. */
export type JourneyLiveMessage =
  { type: 'upsert'; node: JourneyNode; edges: JourneyEdge[] } | { type: 'delete'; ref: string };

/** Parses a notification payload; undefined for anything else on the channel. */
export function parseJourneyNotification(payload: string): JourneyNotification | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const { tenant, patient, ref, change } = parsed as Record<string, unknown>;
  if (
    typeof tenant !== 'string' ||
    typeof patient !== 'string' ||
    typeof ref !== 'string' ||
    !ref.includes('/') ||
    (change !== 'upsert' && change !== 'delete')
  ) {
    return undefined;
  }
  return { tenant, patient, ref, change };
}

/** The message a notification becomes: the node as now stored with all its edges, or its removal. */
export async function toLiveMessage(
  db: Database,
  notification: JourneyNotification,
): Promise<JourneyLiveMessage | undefined> {
  if (notification.change === 'delete') {
    return { type: 'delete', ref: notification.ref };
  }
  const scope = { tenantId: notification.tenant, patientId: notification.patient };
  const [node] = await readNodes(db, scope, [notification.ref]);
  // Gone again by now: the delete that removed it has its own notification.
  if (!node) {
    return undefined;
  }
  const edges = await databaseEdgeSource(db, scope, 'all')([node.ref]);
  return { type: 'upsert', node, edges };
}

export type JourneySubscriber = (message: JourneyLiveMessage) => void;

/**
 * Fans journey notifications out to the sockets watching each patient. One LISTEN per server
 * process, opened with the first watcher; each notification is read from the database once,
 * whatever the number of watchers, and per patient in the order notified.
 */
export type JourneyHub = {
  subscribe: (scope: JourneyScope, subscriber: JourneySubscriber) => Promise<() => void>;
  close: () => Promise<void>;
};

export function createJourneyHub(db: Database, onError: (error: unknown) => void): JourneyHub {
  const watchers = new Map<string, Set<JourneySubscriber>>();
  const queues = new Map<string, Promise<void>>();
  let listening: Promise<() => Promise<void>> | undefined;
  const keyOf = (tenant: string, patient: string) => `${tenant}\n${patient}`;

  function dispatch(key: string, notification: JourneyNotification): Promise<void> {
    return toLiveMessage(db, notification).then((message) => {
      if (message) {
        for (const subscriber of watchers.get(key) ?? []) {
          subscriber(message);
        }
      }
    });
  }

  function onNotification(payload: string): void {
    const notification = parseJourneyNotification(payload);
    if (!notification) {
      return;
    }
    const key = keyOf(notification.tenant, notification.patient);
    if (!watchers.has(key)) {
      return;
    }
    const queued = (queues.get(key) ?? Promise.resolve()).then(() => dispatch(key, notification)).catch(onError);
    queues.set(key, queued);
    void queued.then(() => {
      if (queues.get(key) === queued) {
        queues.delete(key);
      }
    });
  }

  return {
    async subscribe(scope, subscriber) {
      if (!listening) {
        listening = db.listen(JOURNEY_CHANNEL, onNotification);
        // A failed LISTEN is tried again by the next watcher rather than remembered.
        listening.catch(() => {
          listening = undefined;
        });
      }
      await listening;
      const key = keyOf(scope.tenantId, scope.patientId);
      let set = watchers.get(key);
      if (!set) {
        set = new Set();
        watchers.set(key, set);
      }
      set.add(subscriber);
      return () => {
        set.delete(subscriber);
        if (set.size === 0 && watchers.get(key) === set) {
          watchers.delete(key);
        }
      };
    },
    async close() {
      watchers.clear();
      const unlisten = await listening?.catch(() => undefined);
      listening = undefined;
      await unlisten?.();
    },
  };
}
