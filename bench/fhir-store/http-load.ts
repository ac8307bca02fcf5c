import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Pool } from 'undici';

/** Thrown for a response that is not the expected status. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
}

/**
 * The FHIR REST client of the benchmark: one undici Pool (keep-alive, no pipelining) with as many
 * connections as there are concurrent workers, so every worker has its own connection.
 */
export class FhirClient {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;

  /** `accessToken`: an OAuth access token (see `ServerProcess.accessToken`). */
  constructor(origin: string, accessToken: string, connections: number) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    this.headers = {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/fhir+json',
      'content-type': 'application/fhir+json',
    };
  }

  private async send(method: 'GET' | 'POST' | 'PUT', urlPath: string, body: string | undefined, expected: number[]) {
    const response = await this.pool.request({
      method,
      path: `/fhir/R4/${urlPath}`,
      headers: this.headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.body.text();
    if (!expected.includes(response.statusCode)) {
      throw new HttpStatusError(
        `${method} ${urlPath.split(/[/?]/)[0] ?? ''}: HTTP ${response.statusCode} ${text.slice(0, 200)}`,
      );
    }
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** POST Type; resolves to the new id (from Location). */
  async create(resourceType: string, resource: Record<string, unknown>): Promise<string> {
    const { headers } = await this.send('POST', resourceType, JSON.stringify(resource), [201]);
    const location = String(headers.location ?? '');
    const match = new RegExp(`/${resourceType}/([^/]+)/_history/`).exec(location);
    if (!match?.[1]) {
      throw new HttpStatusError(`POST ${resourceType}: no id in Location "${location}"`);
    }
    return match[1];
  }

  /** GET Type/id, reading the whole body. */
  async read(resourceType: string, id: string): Promise<void> {
    await this.send('GET', `${resourceType}/${id}`, undefined, [200]);
  }

  /**
   * GET any path under the FHIR base, query string included (a search, an operation, a page link);
   * resolves to the body text of a 200. Errors name the resource type only, never the query.
   */
  async get(urlPath: string): Promise<string> {
    const { text } = await this.send('GET', urlPath, undefined, [200]);
    return text;
  }

  /** PUT Type/id with the id in the body. */
  async update(resourceType: string, id: string, resource: Record<string, unknown>): Promise<void> {
    await this.send('PUT', `${resourceType}/${id}`, JSON.stringify(resource), [200, 201]);
  }

  /**
   * POSTs a transaction Bundle (JSON text); resolves to its number of entries. Throws unless the
   * answer is 200 with one 2xx response entry per request entry.
   */
  async transaction(bundleText: string, entries: number): Promise<number> {
    const { text } = await this.send('POST', '', bundleText, [200]);
    const result = JSON.parse(text) as { entry?: Array<{ response?: { status?: string } }> };
    const responses = result.entry ?? [];
    const failed = responses.filter((entry) => !/^2\d\d/.test(entry.response?.status ?? '')).length;
    if (responses.length !== entries || failed > 0) {
      throw new HttpStatusError(`transaction: ${responses.length} response entries for ${entries}, ${failed} not 2xx`);
    }
    return entries;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export const SYNTHEA_DIR = '/work/shared/data/synthea-dev/smart-on-fhir-generated-sample-data';

/** One Synthea patient bundle, as the JSON text POSTed unchanged. */
export type SyntheaBundle = { name: string; text: string; entries: number };

/**
 * The Synthea patient transaction Bundles, gunzipped, sorted by name. The shared hospital and
 * practitioner bundles are left out: the patient bundles do not refer to them.
 */
export function loadSyntheaBundles(dir: string = SYNTHEA_DIR): SyntheaBundle[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json.gz') && !/^(hospitalInformation|practitionerInformation)/.test(file))
    .sort()
    .map((file) => {
      const text = gunzipSync(readFileSync(path.join(dir, file))).toString('utf8');
      const bundle = JSON.parse(text) as { resourceType?: string; type?: string; entry?: unknown[] };
      if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') {
        throw new Error(`${file} is not a transaction Bundle`);
      }
      return { name: file, text, entries: bundle.entry?.length ?? 0 };
    });
}
