import path from 'node:path';
import { isValidTenantId } from './modules/tenants/index.ts';

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
  /** Load the shipped code systems (FHIR R4, UCUM, LOINC top 2000, SNOMED GPS, CVX, ICD-10-CM, HCPCS) at start. */
  loadShippedTerminology: boolean;
  demoDataDir: string;
  webDistDir: string;
  logLevel: string;
  /** How long graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /**
   * How long after SIGTERM `/readyz` answers 503 while requests are still accepted, before the
   * server stops listening: time for a load balancer to take the node out of rotation.
   */
  shutdownDelayMs: number;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
  if (databaseUrl && (!/^postgres(ql)?:\/\//.test(databaseUrl) || !URL.canParse(databaseUrl))) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const databasePoolSize = readInt(env, 'DATABASE_POOL_SIZE', 10, problems);
  if (databasePoolSize < 1) {
    problems.push('DATABASE_POOL_SIZE must be at least 1');
  }
  const apiKey = env.CAREGRAPH_API_KEY || undefined;
  if (apiKey !== undefined && apiKey.length < 16) {
    problems.push('CAREGRAPH_API_KEY must be at least 16 characters');
  }
  const defaultTenantId = env.CAREGRAPH_TENANT || 'demo';
  if (!isValidTenantId(defaultTenantId)) {
    problems.push('CAREGRAPH_TENANT must be lower-case letters, digits and dashes');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const baseUrl = env.CAREGRAPH_BASE_URL;
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) {
    problems.push('CAREGRAPH_BASE_URL must be an http:// or https:// URL');
  }
  const config: Config = {
    host,
    port,
    baseUrl: (baseUrl || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, ''),
    dataDir: path.resolve(env.CAREGRAPH_DATA_DIR || './data'),
    databaseUrl,
    databasePoolSize,
    apiKey,
    defaultTenantId,
    bodyLimit: readInt(env, 'CAREGRAPH_BODY_LIMIT', 64 * 1024 * 1024, problems),
    loadDemoData: env.CAREGRAPH_DEMO_DATA !== 'false',
    loadShippedTerminology: env.CAREGRAPH_TERMINOLOGY !== 'false',
    demoDataDir: path.resolve(env.CAREGRAPH_DEMO_DATA_DIR || path.join(repoRoot, 'data-demo')),
    webDistDir: path.resolve(env.CAREGRAPH_WEB_DIST || path.join(repoRoot, 'packages/web/dist')),
    logLevel,
    shutdownTimeoutMs: readInt(env, 'CAREGRAPH_SHUTDOWN_TIMEOUT_MS', 10_000, problems),
    shutdownDelayMs: readInt(env, 'CAREGRAPH_SHUTDOWN_DELAY_MS', 0, problems),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}
