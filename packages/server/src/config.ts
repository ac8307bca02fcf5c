import path from 'node:path';
import { isValidTenantId } from './modules/tenants/index.ts';
import {
  readEncryptionSettings,
  readTlsSettings,
  type EncryptionSettings,
  type TlsSettings,
} from './modules/encryption/settings.ts';

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
  /** SMTP server for outgoing mail (`smtp://` or `smtps://`); without it mail is written to `<dataDir>/mail`. */
  smtpUrl: string | undefined;
  /** The From address of outgoing mail. */
  mailFrom: string;
  /** WebAuthn relying party: the base URL's host name and origin, which passkeys are bound to. */
  webAuthn: Readonly<{ rpId: string; origin: string }>;
  /** Wrong passwords in a row that lock an account, and for how long. */
  lockoutThreshold: number;
  lockoutMinutes: number;
  /** The first administrator of the default tenant; a password is generated into the data directory when unset. */
  adminEmail: string;
  adminPassword: string | undefined;
  /** PEM (PKCS#8) Ed25519 key that signs audit tree heads; generated into `<dataDir>/audit-signing-key.pem` when unset. */
  auditSigningKeyFile: string | undefined;
  /** How often committed audit entries are put in the Merkle tree and a tree head is signed. */
  auditPublishIntervalMs: number;
  /** Benchmark only: record no audit entries, to measure what auditing costs. Never in production. */
  auditDisabledForBenchmark: boolean;
  /**
   * Seals upstream identity providers' client secrets (32 bytes, base64); generated into
   * `<dataDir>/identity-provider-key` when unset.
   */
  identityProviderKey: string | undefined;
  /** HTTPS (CAREGRAPH_TLS_CERT_FILE, CAREGRAPH_TLS_KEY_FILE) and HSTS. */
  tls: TlsSettings;
  /** Field encryption (CAREGRAPH_KEK…): off when no key-encryption key is configured. */
  encryption: EncryptionSettings;
  /** The OpenID Connect / OAuth 2.0 authorization server. */
  oauth: Readonly<{
    /** The issuer: the public base URL. */
    issuer: string;
    /** A client_credentials client for scripts on the default tenant (`system/*.*`), registered at start. */
    bootstrapClient: Readonly<{ clientId: string; clientSecret: string }> | undefined;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  }>;
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
  const smtpUrl = env.CAREGRAPH_SMTP_URL || undefined;
  if (smtpUrl && (!/^smtps?:\/\//.test(smtpUrl) || !URL.canParse(smtpUrl))) {
    problems.push('CAREGRAPH_SMTP_URL must be an smtp:// or smtps:// URL');
  }
  const lockoutThreshold = readInt(env, 'CAREGRAPH_LOCKOUT_THRESHOLD', 10, problems);
  if (lockoutThreshold < 1) {
    problems.push('CAREGRAPH_LOCKOUT_THRESHOLD must be at least 1');
  }
  const adminPassword = env.CAREGRAPH_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 12) {
    problems.push('CAREGRAPH_ADMIN_PASSWORD must be at least 12 characters');
  }
  const resolvedBaseUrl = (baseUrl || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '');
  const publicUrl = URL.canParse(resolvedBaseUrl) ? new URL(resolvedBaseUrl) : undefined;
  // RP ids are host names without port or brackets (WebAuthn §5.1.2); the origin keeps the port.
  const publicHost = publicUrl?.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const adminEmail = (env.CAREGRAPH_ADMIN_EMAIL || `admin@${defaultTenantId}.caregraph.local`).toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    problems.push('CAREGRAPH_ADMIN_EMAIL must be an e-mail address');
  }
  const bootstrapClientId = env.CAREGRAPH_BOOTSTRAP_CLIENT_ID || undefined;
  const bootstrapClientSecret = env.CAREGRAPH_BOOTSTRAP_CLIENT_SECRET || undefined;
  if ((bootstrapClientId === undefined) !== (bootstrapClientSecret === undefined)) {
    problems.push('CAREGRAPH_BOOTSTRAP_CLIENT_ID and CAREGRAPH_BOOTSTRAP_CLIENT_SECRET must be set together');
  }
  if (bootstrapClientId !== undefined && !/^[A-Za-z0-9._~-]{4,128}$/.test(bootstrapClientId)) {
    problems.push('CAREGRAPH_BOOTSTRAP_CLIENT_ID must be 4–128 letters, digits or . _ ~ -');
  }
  if (bootstrapClientSecret !== undefined && bootstrapClientSecret.length < 32) {
    problems.push('CAREGRAPH_BOOTSTRAP_CLIENT_SECRET must be at least 32 characters');
  }
  const identityProviderKey = env.CAREGRAPH_IDENTITY_PROVIDER_KEY || undefined;
  if (identityProviderKey !== undefined && Buffer.from(identityProviderKey, 'base64').length !== 32) {
    problems.push('CAREGRAPH_IDENTITY_PROVIDER_KEY must be 32 bytes, base64-encoded');
  }
  const accessTokenTtlSeconds = readInt(env, 'CAREGRAPH_ACCESS_TOKEN_TTL', 3600, problems);
  if (accessTokenTtlSeconds < 60 || accessTokenTtlSeconds > 86_400) {
    problems.push('CAREGRAPH_ACCESS_TOKEN_TTL must be between 60 and 86400 seconds');
  }
  const config: Config = {
    host,
    port,
    baseUrl: resolvedBaseUrl,
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
    smtpUrl,
    mailFrom: env.CAREGRAPH_MAIL_FROM || `CareGraph <no-reply@${publicHost}>`,
    webAuthn: Object.freeze({ rpId: publicHost, origin: publicUrl?.origin ?? resolvedBaseUrl }),
    lockoutThreshold,
    lockoutMinutes: readInt(env, 'CAREGRAPH_LOCKOUT_MINUTES', 15, problems),
    adminEmail,
    adminPassword,
    auditSigningKeyFile: env.CAREGRAPH_AUDIT_SIGNING_KEY ? path.resolve(env.CAREGRAPH_AUDIT_SIGNING_KEY) : undefined,
    auditPublishIntervalMs: Math.max(1, readInt(env, 'CAREGRAPH_AUDIT_PUBLISH_INTERVAL_MS', 1000, problems)),
    auditDisabledForBenchmark: env.CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK === 'true',
    identityProviderKey,
    tls: readTlsSettings(env, problems),
    encryption: readEncryptionSettings(env, problems),
    oauth: Object.freeze({
      issuer: resolvedBaseUrl,
      bootstrapClient:
        bootstrapClientId && bootstrapClientSecret
          ? Object.freeze({ clientId: bootstrapClientId, clientSecret: bootstrapClientSecret })
          : undefined,
      accessTokenTtlSeconds,
      refreshTokenTtlSeconds: readInt(env, 'CAREGRAPH_REFRESH_TOKEN_TTL', 14 * 86_400, problems),
    }),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}
