import type { GraphDocument } from '../../../projections/graphs.projection';
import type { CachedDocument, CachedResult, Rendering } from '../../readstore/caching-read-store';
import { toGraphView } from './graph-view';

/** The JSON content type Fastify gives a serialised object, for bodies sent already serialised. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The graph view's JSON body, serialised (and UTF-8 encoded) once per document position. The view changes by itself
 * when a pending proposal expires (`expired` flips), so the body is recomputed from that moment.
 */
export function graphViewBody(cached: CachedDocument<GraphDocument>, now = Date.now()): Buffer {
  return cached.rendered('graph-view', (doc) => ({ value: Buffer.from(JSON.stringify(toGraphView(doc))), ...validity(doc, now) }), now);
}

/** The first `count` of a list of graph views as one JSON array, joined from the documents' own bodies. */
export function graphViewListBody(result: CachedResult<GraphDocument>, count = Number.MAX_SAFE_INTEGER, now = Date.now()): Buffer {
  return result.rendered(
    `graph-view-list:${count}`,
    (all) => {
      const documents = all.slice(0, count);
      const until = documents.map(({ doc }) => validity(doc, now).validUntil).filter((t): t is number => t !== undefined);
      const bodies = documents.flatMap((cached, index) => (index === 0 ? [graphViewBody(cached, now)] : [COMMA, graphViewBody(cached, now)]));
      return { value: Buffer.concat([OPEN, ...bodies, CLOSE]), ...(until.length > 0 ? { validUntil: Math.min(...until) } : {}) };
    },
    now,
  );
}

/** Until the first pending proposal expires (the view compares ISO strings: expired once now > expiresAt). */
function validity(doc: GraphDocument, now: number): Pick<Rendering<string>, 'validUntil'> {
  const expiries = (doc.state.proposals ?? [])
    .filter((proposal) => proposal.status === 'pending')
    .map((proposal) => Date.parse(proposal.expiresAt) + 1)
    .filter((at) => Number.isFinite(at) && at > now);
  return expiries.length > 0 ? { validUntil: Math.min(...expiries) } : {};
}
