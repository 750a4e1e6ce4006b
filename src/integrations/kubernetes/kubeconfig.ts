import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubernetesClient } from './client';
import { parse as parseYaml } from 'yaml';
import { isRecord } from '../../shared/is-record';

/** A kubeconfig that cannot be used: unreadable, not YAML, unknown context, no cluster. */
export class KubeconfigInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeconfigInvalidError';
  }
}

/** An untrusted kubeconfig asks for something that runs a program or reads a local file. */
export class UnsafeKubeconfigError extends Error {
  constructor(
    /** The offending key, e.g. "exec" or "client-certificate". */
    readonly field: string,
    /** Where it is, e.g. `users[0] "alice"`. */
    readonly location: string,
  ) {
    super(`kubeconfig ${location}: "${field}" is not allowed in an untrusted kubeconfig`);
    this.name = 'UnsafeKubeconfigError';
  }
}

export interface KubeconfigSource {
  /** Use this context instead of `current-context`. */
  context?: string;
  /**
   * true only for the operator's own kubeconfig (e.g. the Karmada one). Untrusted ones may not run
   * programs (exec, auth-provider) or read local files (tokenFile, certificate/key paths).
   */
  trusted: boolean;
}

/** Keys under `users[].user` that run a program or read a file on this machine. */
const UNSAFE_USER_FIELDS = ['exec', 'auth-provider', 'tokenFile', 'token-file', 'client-certificate', 'client-key'];
/** Keys under `clusters[].cluster` that read a file (the `*-data` variants are inline and fine). */
const UNSAFE_CLUSTER_FIELDS = ['certificate-authority'];

export function loadKubeconfigFile(path: string, source: KubeconfigSource): KubeConfig {
  if (source.trusted) {
    // loadFromFile also resolves relative certificate paths against the file's directory.
    return withContext(attempt(path, (kc) => kc.loadFromFile(path)), source.context, path);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeconfigInvalidError(`cannot read kubeconfig ${path}: ${(error as Error).message}`, { cause: error });
  }
  return loadKubeconfigText(text, source, path);
}

export function loadKubeconfigText(text: string, source: KubeconfigSource, origin = 'kubeconfig'): KubeConfig {
  // Checked before parsing: client-node reads `token-file` while loading.
  if (!source.trusted) assertSafeKubeconfig(text);
  const kc = attempt(origin, (config) => config.loadFromString(text));
  // Again on the parsed object, in case the two YAML parsers disagree on what the text says.
  if (!source.trusted) assertSafeKubeconfig(kc);
  return withContext(kc, source.context, origin);
}

/**
 * Throws UnsafeKubeconfigError naming the first field that would run a program or read a local file.
 * Pass the raw YAML when possible: a KubeConfig object has already read its `tokenFile`, so only the
 * other fields can be checked on it.
 */
export function assertSafeKubeconfig(input: KubeConfig | string): void {
  if (typeof input === 'string') assertSafeYaml(input);
  else assertSafeObject(input);
}

function assertSafeYaml(text: string): void {
  let document: unknown;
  try {
    // merge: true errs on the safe side: js-yaml 4 honoured `<<` merge keys (the 5.x client-node ships with does not).
    document = parseYaml(text, { merge: true });
  } catch (error) {
    throw new KubeconfigInvalidError(`kubeconfig is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(document)) throw new KubeconfigInvalidError('kubeconfig is not a YAML mapping');
  checkEntries(document.users, 'users', 'user', UNSAFE_USER_FIELDS);
  checkEntries(document.clusters, 'clusters', 'cluster', UNSAFE_CLUSTER_FIELDS);
}

function checkEntries(list: unknown, listName: string, key: string, unsafe: readonly string[]): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new KubeconfigInvalidError(`kubeconfig ${listName} is not a list`);
  list.forEach((entry: unknown, index) => {
    const body = isRecord(entry) ? entry[key] : undefined;
    if (!isRecord(body)) return;
    const field = unsafe.find((name) => body[name] !== undefined && body[name] !== null);
    if (field !== undefined) throw new UnsafeKubeconfigError(field, describe(listName, index, entry));
  });
}

function assertSafeObject(kc: KubeConfig): void {
  kc.getUsers().forEach((user, index) => {
    const fields: Array<[string, unknown]> = [
      ['exec', user.exec],
      ['auth-provider', user.authProvider],
      ['client-certificate', user.certFile],
      ['client-key', user.keyFile],
    ];
    const found = fields.find(([, value]) => value !== undefined && value !== null);
    if (found) throw new UnsafeKubeconfigError(found[0], describe('users', index, user));
  });
  kc.getClusters().forEach((cluster, index) => {
    if (cluster.caFile) throw new UnsafeKubeconfigError('certificate-authority', describe('clusters', index, cluster));
  });
}

function attempt(origin: string, load: (kc: KubeConfig) => void): KubeConfig {
  const kc = new (kubernetesClient().KubeConfig)();
  try {
    load(kc);
  } catch (error) {
    throw new KubeconfigInvalidError(`cannot load ${origin}: ${(error as Error).message}`, { cause: error });
  }
  return kc;
}

function withContext(kc: KubeConfig, context: string | undefined, origin: string): KubeConfig {
  if (context !== undefined) {
    if (kc.getContextObject(context) === null) {
      throw new KubeconfigInvalidError(`${origin} has no context "${context}"`);
    }
    kc.setCurrentContext(context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new KubeconfigInvalidError(`${origin}: the current context names no known cluster`);
  }
  return kc;
}

function describe(listName: string, index: number, entry: unknown): string {
  const name = isRecord(entry) && typeof entry.name === 'string' ? ` "${entry.name}"` : '';
  return `${listName}[${index}]${name}`;
}
