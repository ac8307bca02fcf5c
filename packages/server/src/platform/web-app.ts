import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemNotFoundHandler } from './problem-errors.ts';

/** Paths the API owns: a miss there is a 404 problem, never the web app's page. */
const API_PREFIXES = ['/api/', '/fhir/', '/metrics', '/healthz', '/readyz'];

/**
 * Whether a request that matched no route is a page of the web app: a browser navigation (GET or
 * HEAD, HTML accepted) to a path outside the API with no file extension. The web app's router
 * decides what such a path shows, including its own "page not found".
 */
export function isWebAppNavigation(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return false;
  }
  const path = request.url.split('?')[0] ?? '';
  if (API_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) {
    return false;
  }
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  return !lastSegment.includes('.') && (request.headers.accept ?? '').includes('text/html');
}

/**
 * The 404 handler when the web app is served: `index.html` for the app's own routes
 * (`/patients/…`), so a bookmarked or reloaded page opens; a 404 problem for anything else.
 * Needs `@fastify/static` registered at the root (it provides `sendFile`).
 */
export function webAppNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return isWebAppNavigation(request)
    ? reply.type('text/html; charset=utf-8').sendFile('index.html')
    : problemNotFoundHandler(request, reply);
}
