import { resolve } from 'node:path';

/** SMO's configuration, read once from the environment at start-up. */
export interface SmoConfig {
  port: number;
  /** Address the HTTP server binds to. */
  bind: string;
  dataDir: string;
  eventStore: 'sqlite' | 'eventstoredb' | 'memory';
  readStore: 'sqlite' | 'mongodb' | 'memory';
  esdbUrl: string | undefined;
  mongoUrl: string | undefined;
  /** fsync policy of the embedded store (see README, Durability). */
  sqliteSynchronous: 'full' | 'normal';
  logLevel: string;
  maxBodyBytes: number;
  /** Seconds a processor lease lives without renewal before another instance may take over. */
  leaseTtlSeconds: number;
}

/** A configuration problem that stops start-up; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): SmoConfig {
  const eventStore = oneOf(env, 'SMO_EVENT_STORE', ['sqlite', 'eventstoredb', 'memory'] as const, 'sqlite');
  const readStore = oneOf(env, 'SMO_READ_STORE', ['sqlite', 'mongodb', 'memory'] as const, 'sqlite');
  const esdbUrl = url(env, 'ESDB_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:']);
  const mongoUrl = url(env, 'MONGO_URL', ['mongodb:', 'mongodb+srv:']);
  if (eventStore === 'eventstoredb' && !esdbUrl) throw new ConfigError('ESDB_URL', 'is required when SMO_EVENT_STORE=eventstoredb');
  if (readStore === 'mongodb' && !mongoUrl) throw new ConfigError('MONGO_URL', 'is required when SMO_READ_STORE=mongodb');
  return {
    port: integer(env, ['PORT', 'FLASK_RUN_PORT'], 8000, 0, 65535),
    bind: text(env, 'SMO_BIND', '127.0.0.1'),
    dataDir: resolve(text(env, 'SMO_DATA_DIR', './data')),
    eventStore,
    readStore,
    esdbUrl,
    mongoUrl,
    sqliteSynchronous: oneOf(env, 'SMO_SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, 'full'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxBodyBytes: integer(env, ['SMO_MAX_BODY_BYTES'], 1_048_576, 1024, 64 * 1_048_576),
    leaseTtlSeconds: integer(env, ['SMO_LEASE_TTL'], 30, 1, 3600),
  };
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const match = allowed.find((option) => option === value.toLowerCase());
  if (!match) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return match;
}

function integer(env: Env, names: readonly string[], fallback: number, min: number, max: number): number {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return value;
  }
  return fallback;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use one of ${protocols.join(', ')}`);
  return raw;
}

/** Upstream's boolean convention: true for `t` or `true`, case-insensitive. */
export function flag(value: string | undefined): boolean {
  return ['t', 'true'].includes((value ?? '').trim().toLowerCase());
}
