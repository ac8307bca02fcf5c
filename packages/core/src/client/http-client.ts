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
  /**
   * Sends a JSON body with POST, PUT or PATCH and parses the JSON answer (undefined when there is none).
   * @param contentType - defaults to `application/json`; FHIR writes use `application/fhir+json`
   * @throws ApiError as `get` does; its `body` holds the server's OperationOutcome or problem
   * @example
   * const created = await client.send<Condition>('POST', '/fhir/R4/Condition', condition, { contentType: 'application/fhir+json' });
   */
  send: <T>(method: SendMethod, path: string, body: unknown, options?: SendOptions) => Promise<T>;
};

/** The methods that carry a body. */
export type SendMethod = 'POST' | 'PUT' | 'PATCH';

/** How a body is sent. */
export type SendOptions = { contentType?: string; signal?: AbortSignal };

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
  return new ApiError(response.status, explanation, body);
}

const UNREACHABLE = 'The server could not be reached. Check the network connection and try again.';

/**
 * Creates a client that sends the bearer token with every request.
 * @param options - server origin, credential and optionally a fetch implementation
 */
export function createHttpClient(options: ClientOptions): HttpClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const accept = 'application/json, application/fhir+json';

  async function request(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw new ApiError(0, UNREACHABLE);
    }
    if (!response.ok) {
      throw await readError(response);
    }
    return response;
  }

  return {
    async get<T>(path: string, query?: QueryParams, signal?: AbortSignal): Promise<T> {
      const headers = { Accept: accept, Authorization: `Bearer ${options.token}` };
      const response = await request(buildUrl(options.baseUrl, path, query), { headers }, signal);
      return (await response.json()) as T;
    },
    async send<T>(method: SendMethod, path: string, body: unknown, sendOptions: SendOptions = {}): Promise<T> {
      const headers = {
        Accept: accept,
        Authorization: `Bearer ${options.token}`,
        'Content-Type': sendOptions.contentType ?? 'application/json',
      };
      const init = { method, headers, body: JSON.stringify(body) };
      const response = await request(buildUrl(options.baseUrl, path), init, sendOptions.signal);
      // 204 No Content (or a FHIR server answering `Prefer: return=minimal`) has no body to parse.
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
  };
}
