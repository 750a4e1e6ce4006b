/**
 * The JSON bodies of the NFVCL routes, checked field by field. Messages name the key and what is
 * wrong, never the value sent (it may be a password).
 */
import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { integerOf } from '../../integrations/nfvcl/nfvcl-answers';
import { isRecord as isObject } from '../../shared/is-record';
import type { NetworkSpec, VimRegistration } from '../../integrations/nfvcl/nfvcl-bodies';
import { ProblemException, titleOf, type Problem } from '../problem';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

const MAX_TEXT = 255;
const MAX_WORKERS = 100;

/** `POST /vims/smo_vims`: every key is required (upstream answers 400 naming a missing key). */
export function parseVimRegistration(body: unknown): Parsed<VimRegistration> {
  if (!isObject(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };
  const problems: Problem[] = [];
  const text = (key: string) => textAt(body, key, problems);
  const value: VimRegistration = {
    topology: text('topology'),
    popArea: popAreaAt(body, 'pop_area', problems) ?? 0,
    vimName: text('vim_name'),
    tenantName: text('vim_tenant_name'),
    user: text('vim_user'),
    password: text('vim_password'),
    vimUrl: urlAt(body, 'vim_url', problems),
    mgmtNetwork: networkAt(body, 'mgmt_network', problems),
    serviceNetwork: networkAt(body, 'service_network', problems),
    useFloatingIp: booleanAt(body, 'use_floating_ip', problems),
  };
  if (!problems.length && value.mgmtNetwork.name === value.serviceNetwork.name) {
    problems.push({ pointer: '/service_network/name', message: 'must differ from the management network' });
  }
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

/** `POST /os_k8s/clusters`: `{pop_area, vim_name}` and, beyond upstream, an optional `worker_replicas` (default 1). */
export function parseClusterRequest(body: unknown): Parsed<{ popArea: number; vimName: string; workerReplicas: number }> {
  if (!isObject(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };
  const problems: Problem[] = [];
  const popArea = popAreaAt(body, 'pop_area', problems);
  const vimName = textAt(body, 'vim_name', problems);
  const workerReplicas = workersAt(body, problems);
  return problems.length ? { ok: false, problems } : { ok: true, value: { popArea: popArea!, vimName, workerReplicas } };
}

/** `POST /os_k8s/scale-out/<id>`: no body (upstream adds one worker), or `{worker_replicas}`. */
export function parseScaleOut(body: unknown): Parsed<{ workerReplicas: number }> {
  if (body === undefined || body === null || body === '') return { ok: true, value: { workerReplicas: 1 } };
  if (!isObject(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };
  const problems: Problem[] = [];
  const workerReplicas = workersAt(body, problems);
  return problems.length ? { ok: false, problems } : { ok: true, value: { workerReplicas } };
}

/** B15: `pop_area` as a query parameter is text; it is read as an integer (a non-integer is refused, not "matches nothing"). */
export function parsePopAreaQuery(raw: unknown): Parsed<number | null> {
  if (raw === undefined) return { ok: true, value: null };
  const popArea = typeof raw === 'string' ? integerOf(raw) : null;
  if (popArea === null || popArea < 0) return { ok: false, problems: [{ pointer: '/pop_area', message: 'must be a non-negative integer' }] };
  return { ok: true, value: popArea };
}

/** The parsed JSON body; a body of another media type is refused with 415, as upstream's `request.get_json()`. */
export function jsonBodyOf(request: FastifyRequest): unknown {
  const body: unknown = request.body;
  if (body === undefined || body === null) return undefined;
  const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw ProblemException.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'The body must be JSON (Content-Type: application/json)');
  }
  return body;
}

/** 400 naming every key with a problem (and never the value sent). */
export function badRequest(problems: readonly Problem[]): ProblemException {
  return new ProblemException({ type: 'about:blank', title: titleOf(400), status: 400, detail: detailOf(problems), errors: problems });
}

/** One detail line that names every key with a problem. */
export function detailOf(problems: readonly Problem[]): string {
  const missing = problems.filter((p) => p.message === 'is required').map((p) => keyOf(p.pointer));
  const other = problems.filter((p) => p.message !== 'is required').map((p) => `${keyOf(p.pointer) || 'body'} ${p.message}`);
  return [missing.length ? `Missing key${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` : null, ...other].filter(Boolean).join('; ');
}

function keyOf(pointer: string): string {
  return pointer.slice(1).replace(/\//g, '.');
}

function textAt(body: Record<string, unknown>, key: string, problems: Problem[], pointer = `/${key}`): string {
  const value = body[key];
  if (value === undefined || value === null) problems.push({ pointer, message: 'is required' });
  else if (typeof value !== 'string' || value.trim() === '') problems.push({ pointer, message: 'must be a non-empty string' });
  else if (value.length > MAX_TEXT) problems.push({ pointer, message: `must be at most ${MAX_TEXT} characters` });
  else return value;
  return '';
}

function popAreaAt(body: Record<string, unknown>, key: string, problems: Problem[]): number | null {
  const value = body[key];
  if (value === undefined || value === null) {
    problems.push({ pointer: `/${key}`, message: 'is required' });
    return null;
  }
  const popArea = typeof value === 'boolean' ? null : integerOf(value);
  if (popArea === null || popArea < 0) {
    problems.push({ pointer: `/${key}`, message: 'must be a non-negative integer' });
    return null;
  }
  return popArea;
}

function urlAt(body: Record<string, unknown>, key: string, problems: Problem[]): string {
  const before = problems.length;
  const value = textAt(body, key, problems);
  if (problems.length > before) return '';
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // refused below
  }
  problems.push({ pointer: `/${key}`, message: 'must be an http(s) URL (the Keystone endpoint)' });
  return '';
}

function networkAt(body: Record<string, unknown>, key: string, problems: Problem[]): NetworkSpec {
  const value = body[key];
  if (value === undefined || value === null) {
    problems.push({ pointer: `/${key}`, message: 'is required' });
    return { name: '', cidr: '', gateway: '' };
  }
  if (!isObject(value)) {
    problems.push({ pointer: `/${key}`, message: 'must be an object {name, cidr, gateway}' });
    return { name: '', cidr: '', gateway: '' };
  }
  return {
    name: textAt(value, 'name', problems, `/${key}/name`),
    cidr: textAt(value, 'cidr', problems, `/${key}/cidr`),
    gateway: textAt(value, 'gateway', problems, `/${key}/gateway`),
  };
}

function booleanAt(body: Record<string, unknown>, key: string, problems: Problem[]): boolean {
  const value = body[key];
  if (value === undefined || value === null) problems.push({ pointer: `/${key}`, message: 'is required' });
  else if (typeof value !== 'boolean') problems.push({ pointer: `/${key}`, message: 'must be true or false' });
  else return value;
  return false;
}

function workersAt(body: Record<string, unknown>, problems: Problem[]): number {
  const value = body.worker_replicas;
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WORKERS) {
    problems.push({ pointer: '/worker_replicas', message: `must be an integer from 1 to ${MAX_WORKERS}` });
    return 1;
  }
  return value;
}
