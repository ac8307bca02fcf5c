import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePatient, type JourneyScope } from '../queries/journey-nodes.ts';
import { patientParams } from '../schemas.ts';
import type { JourneyHub, JourneyLiveMessage } from './journey-hub.ts';

/** How long a socket opened without an Authorization header has to send its credential. */
const AUTHENTICATE_WITHIN_MS = 10_000;

/** Close codes in the private range (RFC 6455 §7.4.2), mirroring the HTTP statuses. */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_NOT_FOUND = 4404;
const CLOSE_FAILED = 1011;

type PatientParams = { id: string };

/** The part of a `ws` WebSocket this route uses (the package ships no type declarations). */
type LiveSocket = {
  send: (data: string) => void;
  close: (code: number, reason: string) => void;
  on: (event: 'close', listener: () => void) => void;
  once: (event: 'message', listener: (data: unknown) => void) => void;
};

/** The one message a client may send: its credential, when it could not send a header (browsers). */
function readCredential(data: unknown): string | undefined {
  try {
    const message: unknown = JSON.parse(String(data));
    if (typeof message === 'object' && message !== null) {
      const { type, token } = message as Record<string, unknown>;
      if (type === 'authenticate' && typeof token === 'string' && token.length > 0) {
        return token;
      }
    }
  } catch {
    // Not JSON: refused below like any other message.
  }
  return undefined;
}

/** Resolves once the socket's first message authenticated it; rejects after a wrong one or the deadline. */
function authenticateByMessage(app: FastifyInstance, socket: LiveSocket, request: FastifyRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no credential')), AUTHENTICATE_WITHIN_MS);
    socket.once('message', (data) => {
      clearTimeout(timer);
      const token = readCredential(data);
      if (token === undefined) {
        reject(new Error('expected an authenticate message'));
        return;
      }
      // The same check as a header at upgrade: the credential goes where `authenticate` reads it.
      request.headers.authorization = `Bearer ${token}`;
      app.authenticate(request).then(resolve, reject);
    });
  });
}

/**
 * The change as the caller may see it: nothing for a hidden node, no edges to hidden ones. A deleted
 * resource no longer exists to be checked, so its delete goes out only if it was not hidden as the
 * previous change was checked (`hiddenBefore`): a hidden resource's id is not disclosed by its removal.
 */
function withoutHidden(
  message: JourneyLiveMessage,
  hidden: ReadonlySet<string>,
  hiddenBefore: ReadonlySet<string>,
): JourneyLiveMessage | undefined {
  if (message.type === 'delete') {
    return hiddenBefore.has(message.ref) ? undefined : message;
  }
  if (hidden.size === 0) {
    return message;
  }
  if (hidden.has(message.node.ref)) {
    return undefined;
  }
  const { encounter, ...node } = message.node;
  return {
    type: 'upsert',
    node: encounter === undefined || hidden.has(encounter) ? node : { ...node, encounter },
    edges: message.edges.filter((edge) => !hidden.has(edge.from) && !hidden.has(edge.to)),
  };
}

/**
 * `GET /patients/{id}/journey/live`: a WebSocket streaming the patient's journey changes as
 * `{ type: "upsert", node, edges }` and `{ type: "delete", ref }`, after a `{ type: "ready" }`.
 * Authenticated at upgrade by the Authorization header, or (for browsers, which cannot set it) by
 * a first message `{ type: "authenticate", token }`.
 */
export function registerLiveRoute(app: FastifyInstance, hub: JourneyHub): void {
  app.get<{ Params: PatientParams }>(
    '/patients/:id/journey/live',
    {
      websocket: true,
      config: { authenticatesByMessage: true },
      schema: { params: patientParams },
      // With a header, an unknown patient is an HTTP 404 before any upgrade.
      preHandler: async (request) => {
        if (request.context) {
          const hidden = await app.access.hiddenByConsent(request, [request.params.id]);
          await requirePatient(app.db, { tenantId: request.context.tenantId, patientId: request.params.id, hidden });
        }
      },
    },
    (socket: LiveSocket, request) => {
      let unsubscribe: (() => void) | undefined;
      let isClosed = false;
      socket.on('close', () => {
        isClosed = true;
        unsubscribe?.();
      });
      const start = async () => {
        if (!request.context) {
          try {
            await authenticateByMessage(app, socket, request);
          } catch {
            socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
            return;
          }
        }
        const patientId = request.params.id;
        const scope: JourneyScope = { tenantId: request.context?.tenantId ?? '', patientId };
        // What was hidden when the last change was checked (at first, as the subscription starts).
        let hiddenBefore: ReadonlySet<string> = new Set();
        try {
          hiddenBefore = await app.access.hiddenByConsent(request, [patientId]);
          await requirePatient(app.db, { ...scope, hidden: hiddenBefore });
        } catch {
          socket.close(CLOSE_NOT_FOUND, 'Patient not found');
          return;
        }
        // Each change is checked against the patient's Consents as they stand when it arrives (a new
        // resource may carry a restricted label; a new Consent may hide more), one after the other so
        // the order holds.
        let sent = Promise.resolve();
        const sendVisible = async (message: JourneyLiveMessage) => {
          const hidden = await app.access.hiddenByConsent(request, [patientId]);
          const visible = withoutHidden(message, hidden, hiddenBefore);
          hiddenBefore = hidden;
          if (visible && !isClosed) {
            socket.send(JSON.stringify(visible));
          }
        };
        const stop = await hub.subscribe(scope, (message) => {
          sent = sent
            .then(() => sendVisible(message))
            .catch((error: unknown) => {
              request.log.error({ err: error }, 'journey live update failed');
            });
        });
        if (isClosed) {
          stop();
          return;
        }
        unsubscribe = stop;
        socket.send(JSON.stringify({ type: 'ready' }));
      };
      start().catch((error: unknown) => {
        request.log.error({ err: error }, 'journey live subscription failed');
        socket.close(CLOSE_FAILED, 'Subscription failed');
      });
    },
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A WebSocket route that may take its credential in the first message instead of a header. */
    authenticatesByMessage?: boolean;
  }
}
