/** The three patch flavours a Kubernetes client may send, enough for the fake API server. */
import { isRecord } from '../../../src/shared/is-record';
import { pointerTokens } from '../../../src/shared/json-pointer';

export type PatchType = 'merge' | 'strategic' | 'json';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

export class PatchError extends Error {}

/** Strategic merge is applied as a JSON merge patch: the fake has no list-merge keys to honour. */
export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  return type === 'json' ? applyJsonPatch(target, patch) : mergePatch(target, patch);
}

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 add / replace / remove / test. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError('a JSON patch must be a list of operations');
  let document = structuredClone(target);
  for (const operation of patch) {
    if (!isRecord(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new PatchError('each JSON patch operation needs op and path');
    }
    const tokens = pointerTokens(operation.path);
    const last = tokens.pop();
    if (last === undefined) {
      if (operation.op === 'test') continue;
      document = operation.value;
      continue;
    }
    const parent = tokens.reduce<unknown>((node, token) => (isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[token] : undefined), document);
    if (!isRecord(parent) && !Array.isArray(parent)) throw new PatchError(`path ${operation.path} does not exist`);
    const container = parent as Record<string, unknown>;
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, operation.value);
        else container[last] = operation.value;
        break;
      case 'replace':
        if (!(last in container)) throw new PatchError(`path ${operation.path} does not exist`);
        container[last] = operation.value;
        break;
      case 'remove':
        if (!(last in container)) throw new PatchError(`path ${operation.path} does not exist`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete container[last];
        break;
      case 'test':
        if (JSON.stringify(container[last]) !== JSON.stringify(operation.value)) throw new PatchError(`test failed at ${operation.path}`);
        break;
      default:
        throw new PatchError(`unsupported JSON patch op ${operation.op}`);
    }
  }
  return document;
}
