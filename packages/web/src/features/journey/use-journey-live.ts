import { journeyLiveUrl } from '@caregraph/core/client';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSession } from '../session/SessionProvider.tsx';
import { journeyKey } from './api.ts';
import type { LoadedJourney } from './loaded-journey.ts';
import { isJourneyChange, mergeLiveChange } from './merge-live-change.ts';

export type LiveState = 'connecting' | 'connected' | 'offline';

const RETRY_MS = 3000;

/**
 * Keeps an open journey current: listens on the journey's WebSocket and merges each change into
 * the cached journey, reconnecting after a dropped connection.
 */
export function useJourneyLive(patientId: string): LiveState {
  const { session } = useSession();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!session) {
      return;
    }
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const connect = () => {
      setState('connecting');
      socket = new WebSocket(journeyLiveUrl(window.location.origin, patientId));
      socket.addEventListener('open', () => {
        // Browsers cannot set an Authorization header on a WebSocket, so the credential is the first message.
        socket?.send(JSON.stringify({ type: 'authenticate', token: session.token }));
      });
      socket.addEventListener('message', (event: MessageEvent<string>) => {
        let message: unknown;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready') {
          setState('connected');
          return;
        }
        if (isJourneyChange(message)) {
          queryClient.setQueryData<LoadedJourney>(journeyKey(patientId), (journey) =>
            journey ? mergeLiveChange(journey, message) : journey,
          );
        }
      });
      socket.addEventListener('close', () => {
        setState('offline');
        if (!closed) {
          retry = setTimeout(connect, RETRY_MS);
        }
      });
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [patientId, session, queryClient]);
  return state;
}
