import { deciderSpecification } from '../../../test/support/decider-specification';
import { vimDecider } from './decide';
import type { VimEvent, VimRegistered } from './events';

const spec = deciderSpecification(vimDecider);

const registered: VimRegistered = {
  type: 'VimRegistered',
  data: {
    vimId: 1,
    name: 'os-brussels',
    popArea: 0,
    url: 'http://10.0.0.10:5000/v3',
    vimType: 'Openstack',
    networks: [
      { name: 'mgmt', cidr: '10.1.0.0/24', gateway: '10.1.0.1' },
      { name: 'svc', cidr: '10.2.0.0/24', gateway: '10.2.0.1' },
    ],
    mgmtNetwork: 'mgmt',
    serviceNetwork: 'svc',
    useFloatingIp: true,
    topology: 'topo',
    tenantName: 'nephele',
    user: 'admin',
    source: 'api',
    nfvclResponse: { detail: 'Topology created' },
  },
};
const removed: VimEvent = { type: 'VimRemoved', data: { vimId: 1, name: 'os-brussels', nfvclResponse: null } };

describe('VIM decider', () => {
  it('registers a VIM under a free id', () => spec.given([]).when({ type: 'RegisterVim', data: registered.data }).then([registered]));
  it('refuses an id already taken (the allocator then tries the next one)', () =>
    spec.given([registered]).when({ type: 'RegisterVim', data: registered.data }).thenThrows({ kind: 'conflict', message: 'VIM with SMO ID 1 already exists' }));
  it('never hands out a removed VIM id again', () =>
    spec.given([registered, removed]).when({ type: 'RegisterVim', data: registered.data }).thenThrows({ kind: 'conflict' }));
  it('removes a registered VIM, naming it', () =>
    spec.given([registered]).when({ type: 'RemoveVim', data: { vimId: 1, nfvclResponse: null } }).then([removed]));
  it('answers upstream 404 text for an unknown or removed VIM', () => {
    spec.given([]).when({ type: 'RemoveVim', data: { vimId: 7, nfvclResponse: null } }).thenThrows({ kind: 'not-found', message: 'VIM with SMO ID 7 not found' });
    spec.given([registered, removed]).when({ type: 'RemoveVim', data: { vimId: 1, nfvclResponse: null } }).thenThrows({ kind: 'not-found' });
  });
  it('has no field for a password', () => {
    expect(Object.keys(registered.data).filter((key) => /pass/i.test(key))).toEqual([]);
  });
});
