import { AlertmanagerWebhookBody } from '../alertmanager-webhook';
import { VimRegistrationBody } from '../nfvcl/request-bodies';
import { PlanRequestBody } from '../placement/plan-request';
import { ProblemException } from '../problem';
import { checkBody, detailOf, validBody } from './request-body';

const pointersOf = (dto: Parameters<typeof checkBody>[0], body: unknown) => {
  const checked = checkBody(dto, body);
  return checked.ok ? [] : checked.problems.map((p) => p.pointer);
};

describe('request bodies: class-validator errors as problems with JSON pointers', () => {
  it('names unknown fields, nested fields and list entries by pointer, escaping "/" and "~" in keys', () => {
    expect(
      pointersOf(PlanRequestBody, {
        clusters: [{ name: 'c1', cpu: 1 }, 'c2', { name: 'c3', cpu: 'x', 'a/b': 1 }],
        services: [{ id: 'a', cpu: 1, latencies: [{ connectionPoint: 'a', qos: 'fast' }] }],
        currentPlacement: { 'a/b': 3, 'c~d': 'ok' },
        clusterLatencyMs: { c1: { 'x~y': -1 }, c3: 5 },
        colour: 'blue',
      }).sort(),
    ).toEqual(['/clusterLatencyMs/c1/x~0y', '/clusterLatencyMs/c3', '/clusters/1', '/clusters/2/a~1b', '/clusters/2/cpu', '/colour', '/currentPlacement/a~1b', '/services/0/latencies/0/qos'].sort());
  });

  it('says "is required" for a missing or null field, and one message per field (the type first)', () => {
    const checked = checkBody(VimRegistrationBody, { topology: 5, pop_area: null, vim_name: 'x'.repeat(300) });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    const byPointer = Object.fromEntries(checked.problems.map((p) => [p.pointer, p.message]));
    expect(byPointer).toMatchObject({ '/topology': 'must be a non-empty string', '/pop_area': 'is required', '/vim_name': 'must be at most 255 characters', '/vim_password': 'is required' });
    expect(checked.problems.filter((p) => p.pointer === '/topology')).toHaveLength(1);
  });

  it('refuses control and bidirectional-override characters in names, not in passwords', () => {
    const vim = { topology: 't', pop_area: 1, vim_name: 'os', vim_tenant_name: 'n', vim_user: 'u', vim_password: 'p\u0000\u202e', vim_url: 'http://k:5000/v3', mgmt_network: { name: 'm', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, service_network: { name: 's', cidr: '10.0.1.0/24', gateway: '10.0.1.1' }, use_floating_ip: false };
    expect(checkBody(VimRegistrationBody, vim)).toMatchObject({ ok: true });
    for (const name of ['os\u0000x', 'os\nx', 'evil\u202egpj.exe', '\u2066x', ' \t']) {
      const checked = checkBody(VimRegistrationBody, { ...vim, vim_name: name });
      expect(checked).toMatchObject({ ok: false, problems: [{ pointer: '/vim_name', message: 'must be a non-empty string without control or bidirectional-override characters' }] });
    }
    expect(checkBody(VimRegistrationBody, { ...vim, vim_name: 'Zürich-1 (ünï)' })).toMatchObject({ ok: true });
  });

  it('says "must be an array" of a list field given anything else, and nothing about pointers inside it', () => {
    for (const alerts of ['x', { a: 1 }, { status: 'firing' }, 3]) {
      const checked = checkBody(AlertmanagerWebhookBody, { version: '4', groupKey: 'k', status: 'firing', receiver: 'r', alerts });
      expect(checked).toMatchObject({ ok: false, problems: [{ pointer: '/alerts', message: 'must be an array' }] });
      expect(checked.ok || checked.problems).toHaveLength(1);
    }
    expect(checkBody(PlanRequestBody, { clusters: 'x', services: { s: 1 } })).toMatchObject({
      ok: false,
      problems: [
        { pointer: '/clusters', message: 'must be an array' },
        { pointer: '/services', message: 'must be an array' },
      ],
    });
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'text', 3]) expect(pointersOf(PlanRequestBody, body)).toEqual(['']);
  });

  it('drops unknown fields instead when the sender may add some (the Alertmanager webhook)', () => {
    const body = { version: '4', groupKey: 'k', status: 'firing', receiver: 'r', alerts: [], future: 1 };
    expect(checkBody(AlertmanagerWebhookBody, body)).toMatchObject({ ok: false });
    const checked = checkBody(AlertmanagerWebhookBody, body, { unknownFields: 'ignore' });
    expect(checked.ok).toBe(true);
    expect(checked.ok && Object.hasOwn(checked.value, 'future')).toBe(false);
  });

  it('throws 400 problem+json whose detail names every key', () => {
    try {
      validBody(VimRegistrationBody, { pop_area: -1 });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemException);
      const { problem } = error as ProblemException;
      expect(problem).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(problem.detail).toBe(detailOf(problem.errors ?? []));
      expect(problem.detail).toMatch(/^Missing keys: topology, vim_name, .*; pop_area must be a non-negative integer$/);
    }
  });
});
