/**
 * The console's HTML shells. They hold no data: the browser script fetches it through the API
 * with the operator's bearer token (kept in sessionStorage), so the pages need no authentication
 * of their own and the API's roles apply unchanged.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export type ConsoleView = 'graphs' | 'graph' | 'events' | 'what-if';

const NAV: Array<{ view: ConsoleView; href: string; label: string }> = [
  { view: 'graphs', href: '/ui', label: 'Graphs' },
  { view: 'events', href: '/ui/events', label: 'Live events' },
  { view: 'what-if', href: '/ui/what-if', label: 'What-if' },
];

const BODIES: Record<ConsoleView, (subject: string) => string> = {
  graphs: () => `
<h1>Graphs</h1>
<form class="filters" id="graph-filters" role="search">
  <label>Project <input type="text" id="project-filter" list="project-list" placeholder="all projects" autocomplete="off" pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"></label>
  <datalist id="project-list"></datalist>
  <label>Search this page <input type="search" id="graph-search" placeholder="graph, service or status"></label>
</form>
<p id="graphs-summary" class="muted" aria-live="polite">Loading…</p>
<nav id="graphs-pager" class="pager" aria-label="Graph pages" hidden></nav>
<table id="graphs-table" class="data">
  <caption class="visually-hidden">Graphs</caption>
  <thead><tr><th scope="col">Graph</th><th scope="col">Project</th><th scope="col">Status</th><th scope="col">Services by status</th><th scope="col">Last decision</th><th scope="col">Pending proposals</th></tr></thead>
  <tbody></tbody>
</table>`,
  graph: (name) => `
<h1>Graph <span id="graph-name">${escapeHtml(name)}</span> <span id="graph-status" class="badge"></span></h1>
<div id="graph-actions" class="actions" hidden>
  <button type="button" data-action="stop" data-confirm="Stop ${escapeHtml(name)}: uninstall its services?">Stop</button>
  <button type="button" data-action="start" data-confirm="Start ${escapeHtml(name)}: reinstall its services?">Start</button>
  <button type="button" data-action="placement" data-confirm="Re-place ${escapeHtml(name)} now (services may move)?">Re-place</button>
  <button type="button" data-action="propose" data-confirm="Propose a re-placement of ${escapeHtml(name)} (nothing moves until approved)?">Propose re-placement</button>
  <button type="button" data-action="retry" data-confirm="Retry the failed installs of ${escapeHtml(name)}?">Retry failed</button>
  <button type="button" class="danger" data-action="remove" data-confirm="Remove ${escapeHtml(name)}: uninstall everything?">Remove</button>
</div>
<p id="read-only-note" class="muted" hidden>Read-only token: operate actions are not available.</p>
<p id="graph-message" role="status" aria-live="polite"></p>
<p id="graph-live" class="muted" role="status" aria-live="polite">Live updates: connecting…</p>
<section aria-labelledby="services-heading"><h2 id="services-heading">Services</h2><div id="services"></div></section>
<section aria-labelledby="map-heading"><h2 id="map-heading">Placement map</h2><div id="placement-map" class="map"></div><div id="placement-links"></div></section>
<section aria-labelledby="proposals-heading"><h2 id="proposals-heading">Proposals</h2><div id="proposals"></div></section>
<section aria-labelledby="timeline-heading"><h2 id="timeline-heading">Decision timeline</h2>
  <form id="replay-form" class="filters">
    <label>Replay under objective <select id="replay-objective"><option value="fresh">fresh (ignore current placement)</option><option value="min-moves">min-moves</option></select></label>
    <label>Algorithm <select id="replay-algorithm"><option value="milp">milp</option><option value="naive">naive</option></select></label>
    <button type="submit">Replay</button>
  </form>
  <ol id="timeline" class="timeline"></ol>
</section>`,
  events: () => `
<h1>Live events</h1>
<form class="filters" id="events-form">
  <label>Graph <input type="text" id="events-graph" placeholder="all graphs"></label>
  <button type="submit">Follow</button>
</form>
<p id="events-state" role="status" aria-live="polite">Not connected</p>
<table id="events-table" class="data">
  <caption class="visually-hidden">Events, newest first</caption>
  <thead><tr><th scope="col">Position</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Stream</th></tr></thead>
  <tbody></tbody>
</table>`,
  'what-if': () => `
<h1>What-if</h1>
<p class="muted">A dry run: the descriptor is validated and placed on today's clusters; nothing is recorded.</p>
<p id="what-if-read-only" class="muted" hidden>Read-only token: a what-if needs an operate token.</p>
<form id="what-if-form" class="stack">
  <label>Project <input type="text" id="what-if-project" value="default" required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"></label>
  <label>Descriptor file <input type="file" id="what-if-file" accept=".yaml,.yml,.json"></label>
  <label>Descriptor (YAML or JSON) <textarea id="what-if-descriptor" rows="14" spellcheck="false"></textarea></label>
  <button type="submit">Run what-if</button>
</form>
<div id="what-if-result" aria-live="polite"></div>`,
};

/** One console page: the navigation, the token field and the view's empty frame. */
export function consolePage(view: ConsoleView, subject = ''): string {
  const title = view === 'graph' ? `${subject} · SMO` : `${NAV.find((n) => n.view === view)?.label ?? 'Console'} · SMO`;
  const links = NAV.map((n) => `<a href="${n.href}"${n.view === view || (view === 'graph' && n.view === 'graphs') ? ' aria-current="page"' : ''}>${n.label}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/ui/assets/console.css">
<script src="/ui/assets/console.js" defer></script>
</head>
<body data-view="${view}" data-subject="${escapeHtml(subject)}">
<header class="top">
  <a class="brand" href="/ui">SMO</a>
  <nav aria-label="Console">${links}</nav>
  <form id="token-form" class="token">
    <label>API token <input type="password" id="token" autocomplete="off" placeholder="when SMO_API_TOKENS is set"></label>
    <button type="submit">Use</button>
    <span id="session-role" class="badge"></span>
  </form>
</header>
<main id="main">
<p id="auth-message" class="problem" role="alert" hidden></p>
<p id="health-message" class="problem" role="status" hidden></p>
${BODIES[view](subject)}
</main>
<dialog id="confirm-dialog" aria-labelledby="confirm-text">
  <form method="dialog">
    <p id="confirm-text"></p>
    <button value="cancel">Cancel</button> <button value="ok" id="confirm-ok" class="danger">Confirm</button>
  </form>
</dialog>
</body>
</html>
`;
}
