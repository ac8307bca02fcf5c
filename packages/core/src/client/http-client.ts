import { ApiError, describeErrorBody } from './api-error.ts';

/** Query parameters; undefined values are left out, arrays repeat the parameter. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Where the server is and how to authenticate against it. */
export type ClientOptions = {
  /** The server's origin, e.g. `https://caregraph.example.org`; empty for the page's own origin. */
  baseUrl: string;
  /** The bearer credential sent with every request. */
  token: string;
  /** Injected for tests and for runtimes without a global fetch. */
  fetch?: typeof fetch;
};

/** A JSON-over-HTTP client for the CareGraph API (FHIR and `/api`). */
export type HttpClient = {
  /**
   * GETs a path and parses the JSON answer.
   * @throws ApiError on a non-2xx answer (with the server's explanation) or when the server is unreachable (status 0)
   * @example
   * const bundle = await client.get<Bundle>('/fhir/R4/Patient', { name: 'smith', _count: 10 });
   */
  get: <T>(path: string, query?: QueryParams, signal?: AbortSignal) => Promise<T>;
};

/** Builds `path?query` with every defined value encoded. */
export function buildUrl(baseUrl: string, path: string, query: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      search.append(key, String(item));
    }
  }
  const text = search.toString();
  return `${baseUrl}${path}${text ? `?${text}` : ''}`;
}

async function readError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const explanation = describeErrorBody(body) ?? (response.statusText || 'no explanation given');
  return new ApiError(response.status, explanation);
}

/**
 * Creates a client that sends the bearer token with every request.
 * @param options - server origin, credential and optionally a fetch implementation
 */
export function createHttpClient(options: ClientOptions): HttpClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  return {
    async get<T>(path: string, query?: QueryParams, signal?: AbortSignal): Promise<T> {
      let response: Response;
      try {
        response = await fetchImpl(buildUrl(options.baseUrl, path, query), {
          headers: { Accept: 'application/json, application/fhir+json', Authorization: `Bearer ${options.token}` },
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) {
          throw error;
        }
        throw new ApiError(0, 'The server could not be reached. Check the network connection and try again.');
      }
      if (!response.ok) {
        throw await readError(response);
      }
      return (await response.json()) as T;
    },
  };
}
