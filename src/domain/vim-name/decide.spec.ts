import { deciderSpecification } from '../../../test/support/decider-specification';
import { vimNameDecider } from './decide';
import type { VimNameEvent } from './events';

const spec = deciderSpecification(vimNameDecider);
const NOW = '2026-12-05T00:00:00.000Z';
const EXPIRES = '2026-12-05T00:01:00.000Z';

const reserve = (holder: string, commandId: string, now = NOW) => ({ type: 'ReserveVimName' as const, data: { name: 'os-antwerp', holder, commandId, expiresAt: EXPIRES, now } });
const reserved = (holder: string, commandId: string, reservedAt = NOW): VimNameEvent => ({
  type: 'VimNameReserved',
  data: { name: 'os-antwerp', holder, commandId, reservedAt, expiresAt: EXPIRES },
});
const released = (holder: string, vimId: number | null = 3): VimNameEvent => ({ type: 'VimNameReleased', data: { name: 'os-antwerp', holder, vimId } });

describe('VIM name reservations', () => {
  it('reserves a free name, and a released one', () => {
    spec.given([]).when(reserve('h1', 'k1')).then([reserved('h1', 'k1')]);
    spec.given([reserved('h1', 'k1'), released('h1')]).when(reserve('h2', 'k2')).then([reserved('h2', 'k2')]);
  });

  it('refuses another holder while the name is held, telling which request holds it', () => {
    spec.given([reserved('h1', 'k1')]).when(reserve('h2', 'k2')).thenThrows({ kind: 'conflict', commandId: 'k1', message: 'VIM with name os-antwerp is being registered' });
    // The same request on another instance is another holder: it is refused too (and waits for the holder's outcome).
    spec.given([reserved('h1', 'k1')]).when(reserve('h2', 'k1')).thenThrows({ kind: 'conflict', commandId: 'k1' });
    spec.given([reserved('h1', 'k1')]).when(reserve('h1', 'k1')).then([]);
  });

  it('takes over a reservation past its expiry (its holder crashed)', () => {
    spec.given([reserved('h1', 'k1')]).when(reserve('h2', 'k2', '2026-12-05T00:01:00.001Z')).then([reserved('h2', 'k2', '2026-12-05T00:01:00.001Z')]);
  });

  it('is released by its holder only', () => {
    spec.given([reserved('h1', 'k1')]).when({ type: 'ReleaseVimName', data: { name: 'os-antwerp', holder: 'h1', vimId: 3 } }).then([released('h1')]);
    spec.given([reserved('h2', 'k2')]).when({ type: 'ReleaseVimName', data: { name: 'os-antwerp', holder: 'h1', vimId: null } }).then([]);
    spec.given([]).when({ type: 'ReleaseVimName', data: { name: 'os-antwerp', holder: 'h1', vimId: null } }).then([]);
  });
});
