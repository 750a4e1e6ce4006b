import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRAPH_STATUSES, SERVICE_STATUSES, type PlacementProposal, type ProvisioningProposal } from '../domain/graph/state';

/** Every status a proposal shows in the console: its own, or `expired` once past its time (console.js). */
const PROPOSAL_STATUSES = { pending: true, approved: true, rejected: true, fulfilled: true, expired: true } satisfies Record<PlacementProposal['status'] | ProvisioningProposal['status'] | 'expired', true>;

/** The class console.js's badge() gives a status. */
const badgeClass = (status: string) => `status-${status.toLowerCase().replace(/[^a-z]+/g, '-')}`;

describe('console badges', () => {
  const css = readFileSync(join(__dirname, 'assets/console.css'), 'utf8');
  /** The classes of the rules that colour a badge (a border colour and a text colour). */
  const coloured = new Set(
    [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)]
      .filter(([, , body]) => /border-color:/.test(body!) && /(^|;)\s*color:/.test(body!))
      .flatMap(([, selectors]) => [...selectors!.matchAll(/\.(status-[a-z-]+)/g)].map(([, name]) => name!)),
  );

  it.each([...GRAPH_STATUSES, ...SERVICE_STATUSES, ...Object.keys(PROPOSAL_STATUSES)])('the status %s has a colour', (status) => {
    expect(coloured).toContain(badgeClass(status));
  });
});
