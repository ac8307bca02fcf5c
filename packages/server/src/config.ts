import path from 'node:path';

/** Everything the server reads from its environment, parsed once and frozen. */
export type Config = Readonly<{
  host: string;
  port: number;
  /** Public base URL used in Bundle links and Location headers. */
  baseUrl: string;
  /** Embedded (PGlite) data directory; ignored when `databaseUrl` is set. */
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** API key that grants access to the default tenant until real identity lands. */
  apiKey: string | undefined;
  defaultTenantId: string;
  /** Largest accepted request body in bytes (413 above it). */
  bodyLimit: number;
  /** Load the demo tenant and patients on first start. */
  loadDemoData: boolean;
  demoDataDir: string;
  webDistDir: string;
  logLevel: string;
  /** How long graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    problems.push(`${name} must be a non-negative integer, got "${raw}"`);
    return fallback;
  }
  return value;
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/**
 * Parses the environment into a Config, reporting every problem at once.
 * @param env - usually `process.env`; tests pass their own
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const host = env.HOST || '127.0.0.1';
  const port = readInt(env, 'PORT', 8080, problems);
  if (port > 65535) {
    problems.push(`PORT must be at most 65535, got ${port}`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const apiKey = env.CAREGRAPH_API_KEY || undefined;
  if (apiKey !== undefined && apiKey.length < 16) {
    problems.push('CAREGRAPH_API_KEY must be at least 16 characters');
  }
  const defaultTenantId = env.CAREGRAPH_TENANT || 'demo';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(defaultTenantId)) {
    problems.push('CAREGRAPH_TENANT must be lower-case letters, digits and dashes');
  }
  const config: Config = {
    host,
    port,
    baseUrl: (env.CAREGRAPH_BASE_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, ''),
    dataDir: path.resolve(env.CAREGRAPH_DATA_DIR || './data'),
    databaseUrl,
    databasePoolSize: readInt(env, 'DATABASE_POOL_SIZE', 10, problems),
    apiKey,
    defaultTenantId,
    bodyLimit: readInt(env, 'CAREGRAPH_BODY_LIMIT', 64 * 1024 * 1024, problems),
    loadDemoData: env.CAREGRAPH_DEMO_DATA !== 'false',
    demoDataDir: path.resolve(env.CAREGRAPH_DEMO_DATA_DIR || path.join(repoRoot, 'data-demo')),
    webDistDir: path.resolve(env.CAREGRAPH_WEB_DIST || path.join(repoRoot, 'packages/web/dist')),
    logLevel: env.LOG_LEVEL || 'info',
    shutdownTimeoutMs: readInt(env, 'CAREGRAPH_SHUTDOWN_TIMEOUT_MS', 10_000, problems),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}
