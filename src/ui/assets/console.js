// SMO console: progressive enhancement of the server's data-free pages. Data comes from SMO's own
// API with the operator's bearer token (sessionStorage, this browser tab only); every element is
// built with textContent, never innerHTML, so nothing a graph author wrote can become markup.
'use strict';

(function () {
  const TOKEN_KEY = 'smo.token';
  /** Decisions read per page of a graph's placements (the API's maximum), and how many pages before the latest the console looks back. */
  const DECISION_PAGE = 1000;
  const OLDER_DECISION_PAGES = 5;
  /** The events that record a placement decision (what GET /graphs/{name}/placements lists): PLACEMENT_OUTCOME_TYPES of projections/placement-decisions.projection.ts. */
  const DECISION_EVENTS = ['PlacementDecided', 'PlacementFailed'];
  const body = document.body;
  const view = body.dataset.view;
  const subject = body.dataset.subject || '';
  let role = null;

  // ---------- small DOM and HTTP helpers ----------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('data-')) node.setAttribute(key, value);
      else if (key in node && typeof value !== 'string') node[key] = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  /** Request options with the operator's token (JSON accepted unless said otherwise). */
  function withToken(options) {
    const init = Object.assign({ headers: {} }, options || {});
    init.headers = Object.assign({ accept: 'application/json' }, init.headers);
    if (token()) init.headers.authorization = 'Bearer ' + token();
    return init;
  }

  /** A request to SMO's API; a 401 asks for a token, a success clears that message. */
  async function api(path, options) {
    const response = await fetch(path, withToken(options));
    const authMessage = $('auth-message');
    if (response.status === 401) {
      authMessage.textContent = 'SMO asks for an API token: enter one above.';
      authMessage.hidden = false;
    } else if (authMessage && response.ok) {
      authMessage.hidden = true;
    }
    return response;
  }

  async function json(path, options) {
    const response = await api(path, options);
    if (!response.ok) throw await problemOf(response);
    return response.json();
  }

  /** An Error carrying a problem+json answer's detail and field errors. */
  async function problemOf(response) {
    let detail = response.status + ' ' + response.statusText;
    let errors = [];
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
      errors = Array.isArray(problem.errors) ? problem.errors : [];
    } catch {
      /* not JSON: the status line says enough */
    }
    const error = new Error(detail);
    error.status = response.status;
    error.errors = errors;
    // Seconds SMO asks to wait (429, 503), when it says so.
    error.retryAfter = Number(response.headers.get('retry-after')) || null;
    return error;
  }

  function problemNode(error) {
    return el('div', { class: 'problem', role: 'alert' }, el('p', {}, error.message), error.errors && error.errors.length ? el('ul', {}, error.errors.map((e) => el('li', {}, (e.pointer || '(body)') + ': ' + e.message))) : null);
  }

  function confirmAction(text) {
    const dialog = $('confirm-dialog');
    $('confirm-text').textContent = text;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  function formatTime(iso) {
    return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
  }

  function formatBytes(bytes) {
    if (bytes === null || bytes === undefined) return '–';
    const gib = bytes / 1024 ** 3;
    return gib >= 1 ? gib.toFixed(1) + ' GiB' : Math.round(bytes / 1024 ** 2) + ' MiB';
  }

  function badge(text) {
    return el('span', { class: 'badge status-' + String(text).toLowerCase().replace(/[^a-z]+/g, '-') }, text);
  }

  // ---------- token and role ----------

  async function loadSession() {
    const form = $('token-form');
    $('token').value = token();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      else sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    });
    try {
      const session = await json('/ui/data/session');
      role = session.role;
      $('session-role').textContent = role === 'operate' ? 'operate' : 'read-only';
      body.dataset.role = role;
    } catch (error) {
      role = null;
      $('session-role').textContent = error.status === 401 ? 'no token' : '';
    }
  }

  const canOperate = () => role === 'operate';

  // ---------- SMO's health ----------

  /**
   * SMO's own state (/health), said on every page when it is not ok: stores down, parked events (work
   * a processor gave up on until an operator re-drives it), failing processors, cluster sync or
   * scaling rounds failing. Read at start and every 30 s.
   */
  async function loadHealth() {
    const note = $('health-message');
    let health;
    try {
      // 503 (a store down) answers the same document. Not through api(): /health needs no token unless
      // SMO_PROTECT_OPERATIONS is set, and its answer must not clear the message asking for one.
      health = await (await fetch('/health', withToken())).json();
    } catch {
      return;
    }
    if (!health || !health.status || health.status === 'ok') {
      note.hidden = true;
      return;
    }
    const problems = [];
    for (const [store, check] of Object.entries(health.stores || {})) {
      if (check.status === 'down') problems.push(store + ' down' + (check.error ? ' (' + check.error + ')' : ''));
    }
    let parked = false;
    for (const runner of health.processing || []) {
      const wrong = [];
      if (runner.parkedEvents > 0) wrong.push(runner.parkedEvents + ' parked event' + (runner.parkedEvents === 1 ? '' : 's'));
      if (runner.state === 'failing') wrong.push('failing' + (runner.lastError ? ' (' + runner.lastError + ')' : ''));
      if (wrong.length) problems.push(runner.name + ': ' + wrong.join(', '));
      parked = parked || runner.parkedEvents > 0;
    }
    for (const [label, loop] of [['cluster sync', health.clusterSync], ['scaling', health.scaling]]) {
      if (loop && loop.consecutiveFailures > 0) problems.push(label + ' failed ' + loop.consecutiveFailures + ' time(s) in a row' + (loop.lastError ? ' (' + loop.lastError + ')' : ''));
    }
    note.textContent =
      'SMO is ' + health.status + ': ' + (problems.join('; ') || 'see /health') + '.' +
      (parked ? ' A parked event waits until it is re-driven once the fault is gone: npx smo processors parked NAME, then npx smo processors retry NAME.' : '');
    note.hidden = false;
  }

  // ---------- graphs list ----------

  /**
   * A page of graphs (SMO's lists answer 1000 at most), as the API lists them: every project's by
   * project then name, or the project typed in the filter (asked of SMO, so a project none of the
   * page's graphs belongs to is found too) by name. The search narrows the page shown; "Next graphs"
   * reads the following page. The URL keeps project, page and search, so a view can be linked.
   */
  async function graphsView() {
    const table = $('graphs-table').tBodies[0];
    const projectFilter = $('project-filter');
    const search = $('graph-search');
    const pager = $('graphs-pager');
    const params = new URLSearchParams(location.search);
    let project = (params.get('project') || '').trim();
    let after = params.get('after') || '';
    let graphs = [];
    let next = null;
    search.value = params.get('q') || '';

    async function loadPage() {
      const query = new URLSearchParams();
      if (project) query.set('project', project);
      if (after) query.set('after', after);
      try {
        const answer = await json('/ui/data/graphs' + (query.toString() ? '?' + query : ''));
        graphs = answer.graphs;
        next = answer.next || null;
      } catch (error) {
        graphs = [];
        next = null;
        table.replaceChildren();
        pager.replaceChildren();
        $('graphs-summary').replaceChildren(problemNode(error));
        return;
      }
      const known = new Set([...projectFilter.list.options].map((o) => o.value));
      for (const name of [...new Set(graphs.map((g) => g.project))].sort()) if (!known.has(name)) projectFilter.list.append(el('option', { value: name }));
      render();
    }

    function link(afterName) {
      const query = new URLSearchParams();
      if (project) query.set('project', project);
      if (afterName) query.set('after', afterName);
      if (search.value) query.set('q', search.value);
      return '/ui' + (query.toString() ? '?' + query : '');
    }

    function render() {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const shown = graphs.filter((g) => {
        const haystack = [g.name, g.project, g.status, ...Object.keys(g.servicesByStatus), ...g.clusters].join(' ').toLowerCase();
        return words.every((w) => haystack.includes(w));
      });
      table.replaceChildren(
        ...shown.map((g) =>
          el(
            'tr',
            { 'data-graph': g.name },
            el('th', { scope: 'row' }, el('a', { href: '/ui/graphs/' + encodeURIComponent(g.name) }, g.name)),
            el('td', {}, g.project),
            el('td', {}, badge(g.status), g.settled ? null : el('span', { class: 'muted' }, ' settling')),
            el('td', {}, Object.entries(g.servicesByStatus).map(([status, count]) => el('span', { class: 'count' }, badge(status), ' ' + count))),
            // The placement the graph runs with, and whether placing it again failed since (both can be true).
            el(
              'td',
              {},
              g.lastDecision ? g.lastDecision.reason + ' · ' + g.lastDecision.algorithm : g.placementFailure ? null : '–',
              g.placementFailure ? el('span', { class: 'problem-text' }, (g.lastDecision ? ' ' : '') + 'failed: ' + g.placementFailure) : null,
            ),
            el('td', {}, g.pendingProposals ? el('strong', {}, String(g.pendingProposals)) : '0'),
          ),
        ),
      );
      const paged = after || next;
      $('graphs-summary').textContent =
        shown.length + ' of ' + graphs.length + ' graphs' + (project ? ' in project ' + project : '') + (paged ? ' on this page' + (after ? ' (after ' + after + ')' : '') + (next ? '; more follow' : '') : '');
      pager.hidden = !paged;
      pager.replaceChildren(
        after ? el('a', { href: link(''), id: 'graphs-first' }, 'First graphs') : '',
        after && next ? ' · ' : '',
        next ? el('a', { href: link(next), id: 'graphs-next' }, 'Next graphs') : '',
      );
      history.replaceState(null, '', link(after));
    }

    projectFilter.value = project;
    // A project is asked of SMO when the filter changes (Enter, or leaving the field).
    function applyProject() {
      const value = projectFilter.value.trim();
      if (value === project) return;
      project = value;
      after = '';
      void loadPage();
    }
    projectFilter.addEventListener('change', applyProject);
    search.addEventListener('input', render);
    $('graph-filters').addEventListener('submit', (event) => {
      event.preventDefault();
      applyProject();
    });
    await loadPage();
  }

  // ---------- graph page ----------

  async function graphView() {
    const name = subject;
    const path = '/graphs/' + encodeURIComponent(name);
    const message = $('graph-message');

    /**
     * The decisions as last read. A page of them carries each decision's inputs (3.3 MB for 100
     * decisions of a 200-service graph), so they are read again only once a decision may have been
     * recorded since: a placement event, the stream (re)connecting, a command from this page.
     */
    let decisionsVersion = 0;
    let decisionsRead = null;
    function decisionsChanged() {
      decisionsVersion++;
    }

    async function load() {
      const version = decisionsVersion;
      const known = decisionsRead && decisionsRead.version === version ? decisionsRead : null;
      let graph, clusters, decisions;
      try {
        [graph, clusters, decisions] = await Promise.all([json(path), json('/clusters/'), known ? known.decisions : json(path + '/placements')]);
      } catch (error) {
        $('services').replaceChildren(problemNode(error));
        return;
      }
      $('graph-status').replaceChildren(badge(graph.status));
      $('graph-status').append(graph.settled ? '' : ' settling');
      // Replay is a POST too (it solves, records nothing): the API asks an operate token for it, so a read token is not offered it.
      $('graph-actions').hidden = $('replay-form').hidden = !canOperate();
      $('read-only-note').hidden = canOperate() || role === null;
      const lastDecision = known ? known.lastDecision : await latestFeasible(path, decisions);
      if (!known) decisionsRead = { version, decisions, lastDecision };
      renderServices(graph, lastDecision);
      renderMap(graph, clusters, lastDecision);
      // Cluster provisioning proposals (a capacity gap, NFVCL configured): none when the route has nothing to say.
      const clusterProposals = await json(path + '/cluster-proposals').catch(() => []);
      renderProposals(graph, clusterProposals);
      if (!known) renderTimeline(decisions);
    }

    /**
     * One read of the graph at a time: a reload asked for while one runs starts once it has drawn
     * (one for any number of asks), so an older answer is never drawn over a newer one. Resolves
     * once a read started after the call has drawn.
     */
    let loading = null;
    let queued = null;
    function reload() {
      if (!loading) {
        loading = load().finally(() => {
          loading = null;
        });
        return loading;
      }
      if (!queued) {
        queued = loading
          .catch(() => undefined)
          .then(() => {
            queued = null;
            return reload();
          });
      }
      return queued;
    }

    /**
     * The latest feasible decision (the demands, imports and latencies the current placement was
     * made with): in the timeline's page, else in the pages before it, a few at most. A graph whose
     * re-placements keep failing can have a whole page of infeasible ones.
     */
    async function latestFeasible(path, decisions) {
      let page = decisions;
      for (let older = 0; ; older++) {
        const found = [...page].reverse().find((d) => d.feasible);
        if (found || page.length === 0 || older === OLDER_DECISION_PAGES) return found || null;
        page = await json(path + '/placements?before=' + page[0].revision + '&limit=' + DECISION_PAGE).catch(() => []);
      }
    }

    /**
     * The clusters a service runs on: under highAvailability, the cluster set of the decision the
     * placement was made with (its first is the service's cluster); else the service's cluster.
     */
    function clustersOf(service, lastDecision) {
      const set = lastDecision && lastDecision.clusterSets ? lastDecision.clusterSets[service.name] : null;
      if (Array.isArray(set) && service.cluster_affinity && set.includes(service.cluster_affinity)) return [...new Set(set)];
      return service.cluster_affinity ? [service.cluster_affinity] : [];
    }

    function renderServices(graph, lastDecision) {
      const demands = new Map(((lastDecision && lastDecision.inputs.services) || []).map((s) => [s.id, s]));
      const rows = graph.services.map((service) => {
        const demand = demands.get(service.name);
        return el(
          'tr',
          { 'data-service': service.name },
          el('th', { scope: 'row' }, service.name),
          el('td', {}, badge(service.status)),
          el('td', { class: 'cluster' }, clustersOf(service, lastDecision).join(', ') || '–'),
          // The autoscaler's count once it has scaled the service, else the one the placement was made with.
          el('td', {}, typeof service.replicas === 'number' ? String(service.replicas) : demand ? String(demand.replicas) : '–'),
          el('td', {}, el('code', {}, service.artifact_ref)),
          el('td', {}, el('details', {}, el('summary', {}, 'values'), el('pre', {}, JSON.stringify(service.values_overwrite, null, 2)))),
          el(
            'td',
            {},
            service.error
              ? el(
                  'div',
                  { class: 'failure' },
                  el('p', {}, 'helm ' + service.error.action + ' failed' + (service.error.exitCode !== null ? ' (exit ' + service.error.exitCode + ')' : '') + (service.error.timedOut ? ', timed out' : '')),
                  el('pre', { class: 'stderr' }, service.error.stderr),
                  canOperate() ? el('button', { type: 'button', 'data-action': 'retry', 'data-confirm': 'Retry the failed installs of ' + graph.name + '?' }, 'Retry') : null,
                )
              : '–',
          ),
        );
      });
      const warnings = graph.warnings.length
        ? el('div', { class: 'warnings' }, el('h3', {}, 'Descriptor warnings'), el('ul', {}, graph.warnings.map((w) => el('li', {}, (w.pointer || '(body)') + ': ' + w.message))))
        : null;
      const failure = graph.placementFailure ? el('p', { class: 'problem' }, 'Placement failed: ' + graph.placementFailure.detail) : null;
      const dashboard = graph.dashboardFailure;
      const dashboardFailure = dashboard
        ? el(
            'p',
            { class: 'problem', id: 'dashboard-failure' },
            'Grafana dashboard ' + dashboard.action + ' failed' + (dashboard.serviceId ? ' (service ' + dashboard.serviceId + ')' : '') + ': ' + dashboard.error + (canOperate() ? ' · Retry failed tries again.' : ''),
          )
        : null;
      $('services').replaceChildren(
        failure || '',
        dashboardFailure || '',
        el(
          'table',
          { class: 'data', id: 'services-table' },
          el('thead', {}, el('tr', {}, ['Service', 'Status', 'Cluster', 'Replicas', 'Chart', 'Values', 'Failure'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, rows),
        ),
        warnings || '',
      );
    }

    function capacityRow(label, allocatable, free, format) {
      const used = Math.max(0, allocatable - free);
      const text = label + ': ' + format(used) + ' used of ' + format(allocatable) + ', ' + format(free) + ' free';
      return el('div', { class: 'capacity' }, el('span', {}, text), el('meter', { min: 0, max: allocatable || 1, value: used, low: (allocatable || 1) * 0.7, high: (allocatable || 1) * 0.9, optimum: 0, 'aria-label': text }));
    }

    function renderMap(graph, clusters, lastDecision) {
      const byCluster = new Map();
      for (const service of graph.services) {
        const placed = clustersOf(service, lastDecision);
        for (const cluster of placed.length ? placed : ['(not placed)']) {
          if (!byCluster.has(cluster)) byCluster.set(cluster, []);
          byCluster.get(cluster).push(service);
        }
      }
      const cores = (n) => (Math.round(n * 100) / 100).toString() + ' cores';
      const gpus = (n) => String(n) + ' GPU';
      const columns = clusters.map((cluster) => {
        const r = cluster.capacity;
        const services = byCluster.get(cluster.name) || [];
        byCluster.delete(cluster.name);
        return el(
          'section',
          { class: 'cluster-column' + (cluster.availability ? '' : ' unavailable'), 'data-cluster': cluster.name, 'aria-label': 'cluster ' + cluster.name },
          el('h3', {}, cluster.name, cluster.availability ? '' : ' (unavailable)'),
          el('p', { class: 'muted' }, cluster.location || ''),
          capacityRow('CPU', r.cpu.allocatable, r.cpu.available, cores),
          capacityRow('Memory', r.memoryBytes.allocatable, r.memoryBytes.available, formatBytes),
          r.gpu.allocatable ? capacityRow('GPU', r.gpu.allocatable, r.gpu.available, gpus) : el('p', { class: 'muted' }, 'no GPU'),
          el('ul', { class: 'service-blocks' }, services.map((s) => el('li', { class: 'service-block', 'data-service': s.name }, el('strong', {}, s.name), ' ', badge(s.status), el('br'), 'cpu ' + s.cpu + ', memory ' + s.memory + (s.gpu !== '0' ? ', gpu ' + s.gpu : '')))),
        );
      });
      for (const [cluster, services] of byCluster) {
        columns.push(el('section', { class: 'cluster-column unknown', 'data-cluster': cluster }, el('h3', {}, cluster), el('ul', { class: 'service-blocks' }, services.map((s) => el('li', { class: 'service-block', 'data-service': s.name }, s.name + ' ', badge(s.status))))));
      }
      $('placement-map').replaceChildren(...columns);

      const placement = graph.placement || {};
      const links = [];
      const imports = (lastDecision && lastDecision.imports) || {};
      // imports[provider] lists the clusters of the services that connect to it (upstream's create_service_imports).
      for (const [provider, importingClusters] of Object.entries(imports)) {
        const home = placement[provider] || '?';
        for (const cluster of [...new Set(importingClusters)]) {
          const cross = cluster !== home;
          links.push(el('li', { class: 'import-link' + (cross ? ' cross' : ''), 'data-provider': provider, 'data-to': cluster }, provider + ' (' + home + ') ⇢ ' + cluster + (cross ? ': cross-cluster service import' : ': same cluster')));
          if (cross) {
            const column = document.querySelector('.cluster-column[data-cluster="' + CSS.escape(cluster) + '"] .service-blocks');
            if (column) column.append(el('li', { class: 'service-block imported' }, 'imports ' + provider + ' from ' + home));
          }
        }
      }
      const latencies = (lastDecision && lastDecision.inputs.clusterLatencyMs) || {};
      const requirements = [];
      for (const demand of (lastDecision && lastDecision.inputs.services) || []) {
        for (const requirement of demand.latencies || []) {
          const from = placement[demand.id];
          const to = placement[requirement.connectionPoint];
          const measured = from && to ? (from === to ? 0 : latencies[from] && latencies[from][to]) : undefined;
          requirements.push(
            el('li', { class: 'latency' }, demand.id + ' ↔ ' + requirement.connectionPoint + ': required ' + (typeof requirement.qos === 'string' ? requirement.qos : JSON.stringify(requirement.qos)) + '; measured round trip ' + (measured === undefined ? 'unknown' : measured + ' ms') + (from && to ? ' (' + from + ' ↔ ' + to + ')' : '')),
          );
        }
      }
      $('placement-links').replaceChildren(
        el('h3', {}, 'Service imports'),
        links.length ? el('ul', {}, links) : el('p', { class: 'muted' }, 'No connected services.'),
        el('h3', {}, 'Latency'),
        requirements.length ? el('ul', {}, requirements) : el('p', { class: 'muted' }, 'No latency requirements.'),
      );
    }

    function renderProposals(graph, clusterProposals) {
      if (!graph.proposals.length && !clusterProposals.length) {
        $('proposals').replaceChildren(el('p', { class: 'muted' }, 'No proposals.'));
        return;
      }
      $('proposals').replaceChildren(
        clusterProposals.length ? clusterProposalList(clusterProposals) : '',
        el(
          'ul',
          { class: 'proposals' },
          [...graph.proposals].reverse().map((p) =>
            el(
              'li',
              { class: 'proposal', 'data-proposal': p.proposalId, 'data-status': p.status },
              el('p', {}, badge(p.expired ? 'expired' : p.status), ' ', p.why, el('span', { class: 'muted' }, ' · expires ' + formatTime(p.expiresAt))),
              diffList(p.diff.map((d) => ({ serviceId: d.serviceId, from: d.from, to: d.to }))),
              p.status === 'pending' && !p.expired && canOperate()
                ? el(
                    'div',
                    { class: 'actions' },
                    el('button', { type: 'button', 'data-proposal-action': 'approve', 'data-id': p.proposalId }, 'Approve'),
                    el('button', { type: 'button', class: 'danger', 'data-proposal-action': 'reject', 'data-id': p.proposalId }, 'Reject'),
                  )
                : null,
            ),
          ),
        ),
      );
    }

    /** New clusters proposed to close a capacity gap: what NFVCL would be asked for, and what became of it. */
    function clusterProposalList(proposals) {
      return el(
        'ul',
        { class: 'proposals cluster-proposals' },
        [...proposals].reverse().map((p) => {
          const expired = p.status === 'pending' && p.expiresAt < new Date().toISOString();
          const gap = 'cpu ' + p.gap.cpu + (p.gap.memoryBytes ? ', memory ' + formatBytes(p.gap.memoryBytes) : '');
          return el(
            'li',
            { class: 'proposal cluster-proposal', 'data-cluster-proposal': p.proposalId, 'data-status': p.status },
            el(
              'p',
              {},
              badge(expired ? 'expired' : p.status),
              ' New cluster on VIM ' + p.vimName + ' (area ' + p.popArea + '): ' + p.workerReplicas + ' worker(s), for a capacity gap of ' + gap,
              p.smoId ? el('span', { class: 'muted' }, ' · NFVCL cluster ' + p.smoId) : '',
              el('span', { class: 'muted' }, ' · expires ' + formatTime(p.expiresAt)),
            ),
            p.lastFailure ? el('p', { class: 'failure' }, 'Last approval failed: ' + p.lastFailure) : '',
            p.reason ? el('p', { class: 'muted' }, p.reason) : '',
            p.status === 'pending' && !expired && canOperate()
              ? el(
                  'div',
                  { class: 'actions' },
                  el('button', { type: 'button', 'data-cluster-proposal-action': 'approve', 'data-id': p.proposalId }, 'Approve cluster'),
                  el('button', { type: 'button', class: 'danger', 'data-cluster-proposal-action': 'reject', 'data-id': p.proposalId }, 'Reject cluster'),
                )
              : null,
          );
        }),
      );
    }

    function diffList(moves) {
      if (!moves.length) return el('p', { class: 'muted' }, 'No service moves.');
      return el('ul', { class: 'diff' }, moves.map((m) => el('li', { class: 'move' }, el('code', {}, m.serviceId + ' ' + (m.from || '(new)') + ' → ' + m.to))));
    }

    function movesOf(decision) {
      const previous = decision.inputs.previousPlacement || {};
      return Object.entries(decision.placement || {})
        .filter(([id, cluster]) => previous[id] !== cluster)
        .map(([id, cluster]) => ({ serviceId: id, from: previous[id] || null, to: cluster }));
    }

    function capacityGapNode(decision) {
      const gap = decision.capacityGap;
      if (!gap) return null;
      const amounts = (a) => [a.cpu ? '+' + a.cpu + ' CPU cores' : null, a.memoryBytes ? '+' + formatBytes(a.memoryBytes) + ' memory' : null, a.gpu ? '+' + a.gpu + ' GPU' : null].filter(Boolean).join(', ');
      const lines = (gap.addToCluster || []).map((a) => 'add to ' + a.cluster + ': ' + amounts(a));
      if (gap.newCluster) lines.push('a new cluster with ' + amounts(gap.newCluster).replace(/\+/g, ''));
      return lines.length ? el('div', { class: 'capacity-gap' }, el('p', {}, 'Capacity gap: any one of these would make it fit'), el('ul', {}, lines.map((line) => el('li', {}, line)))) : null;
    }

    function renderTimeline(decisions) {
      $('timeline').replaceChildren(
        ...[...decisions].reverse().map((d) =>
          el(
            'li',
            { class: 'decision' + (d.feasible ? '' : ' infeasible'), 'data-decision': d.decisionId },
            el('p', { class: 'decision-head' }, el('strong', {}, d.reason), ' · ' + d.algorithm + (d.solver ? ' (' + d.solver + ')' : '') + (typeof d.durationMs === 'number' ? ' · solved in ' + d.durationMs.toFixed(1) + ' ms' : '') + (d.objective !== null && d.objective !== undefined ? ' · objective ' + d.objective : ''), el('span', { class: 'muted' }, ' · ' + formatTime(d.at))),
            d.feasible ? diffList(movesOf(d)) : el('p', { class: 'problem' }, 'Infeasible: ' + d.detail + (d.bindingResource ? ' (binding resource: ' + d.bindingResource + ')' : '')),
            d.feasible ? null : capacityGapNode(d),
            d.explanation && d.explanation.length ? el('ul', { class: 'explanation' }, d.explanation.map((s) => el('li', {}, s))) : null,
            el('div', { class: 'replay', 'data-replay-for': d.decisionId }),
          ),
        ),
      );
      if (!decisions.length) $('timeline').append(el('li', { class: 'muted' }, 'No placement decision yet.'));
    }

    function renderReplay(answer) {
      for (const result of answer.decisions) {
        const slot = document.querySelector('[data-replay-for="' + CSS.escape(result.decisionId) + '"]');
        if (!slot) continue;
        if (result.skipped) {
          slot.replaceChildren(el('p', { class: 'muted' }, 'Replay: ' + result.skipped));
          continue;
        }
        const ids = [...new Set([...Object.keys(result.recorded.placement || {}), ...Object.keys(result.replayed.placement || {})])].sort();
        const differing = new Set(result.differences.map((d) => d.serviceId));
        slot.replaceChildren(
          el(
            'table',
            { class: 'data side-by-side' },
            el('caption', {}, 'Recorded vs replayed (' + answer.options.algorithm + ', objective ' + answer.options.objective + '): ' + result.differences.length + ' service(s) differ; moves ' + result.recorded.moves + ' vs ' + result.replayed.moves),
            el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Service'), el('th', { scope: 'col' }, 'Recorded'), el('th', { scope: 'col' }, 'Replayed'))),
            el(
              'tbody',
              {},
              ids.map((id) =>
                el('tr', { class: differing.has(id) ? 'differs' : '' }, el('th', { scope: 'row' }, id), el('td', {}, (result.recorded.placement || {})[id] || '–'), el('td', {}, ((result.replayed.placement || {})[id] || '–') + (differing.has(id) ? ' ≠' : ''))),
              ),
            ),
          ),
          result.replayed.failure ? el('p', { class: 'problem' }, 'Replay infeasible: ' + result.replayed.failure) : '',
        );
      }
    }

    async function run(label, request) {
      message.textContent = label + '…';
      try {
        const response = await api(request.path, { method: request.method });
        if (!response.ok) throw await problemOf(response);
        const text = await response.text();
        message.textContent = label + ': ' + (text.trim().startsWith('{') ? JSON.parse(text).why || JSON.parse(text).status || 'done' : text.trim() || 'done');
      } catch (error) {
        message.replaceChildren(problemNode(error));
      }
      decisionsChanged();
      await reload();
    }

    const REQUESTS = {
      stop: { method: 'POST', path: path + '/stop' },
      start: { method: 'POST', path: path + '/start' },
      placement: { method: 'POST', path: path + '/placement' },
      propose: { method: 'POST', path: path + '/placement?mode=propose' },
      retry: { method: 'POST', path: path + '/retry' },
      remove: { method: 'DELETE', path: path },
    };

    document.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-action], button[data-proposal-action], button[data-cluster-proposal-action]');
      if (!button) return;
      if (button.dataset.action) {
        if (!(await confirmAction(button.dataset.confirm))) return;
        await run(button.textContent, REQUESTS[button.dataset.action]);
      } else if (button.dataset.clusterProposalAction) {
        const id = button.dataset.id;
        const verb = button.dataset.clusterProposalAction;
        const question = verb === 'approve' ? 'Approve cluster proposal ' + id + '? NFVCL will build the cluster.' : 'Reject cluster proposal ' + id + '?';
        if (!(await confirmAction(question))) return;
        await run(verb === 'approve' ? 'Approve cluster' : 'Reject cluster', { method: 'POST', path: path + '/cluster-proposals/' + encodeURIComponent(id) + '/' + verb });
      } else {
        const id = button.dataset.id;
        const verb = button.dataset.proposalAction;
        if (!(await confirmAction((verb === 'approve' ? 'Approve' : 'Reject') + ' proposal ' + id + '?'))) return;
        await run(verb === 'approve' ? 'Approve' : 'Reject', { method: 'POST', path: path + '/placements/' + encodeURIComponent(id) + '/' + verb });
      }
    });

    $('replay-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const answer = await json(path + '/placements/replay', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ objective: $('replay-objective').value, algorithm: $('replay-algorithm').value }),
        });
        renderReplay(answer);
      } catch (error) {
        message.replaceChildren(problemNode(error));
      }
    });

    // Refresh when this graph's events arrive (a re-placement triggered elsewhere, a proposal…), and once the stream
    // has connected: it starts at the head then, so a change between the first read and that moment is read again.
    const first = reload();
    follow(
      '/events/stream?graph=' + encodeURIComponent(name),
      (message) => {
        if (DECISION_EVENTS.includes(message.event)) decisionsChanged();
        scheduleReload(reload);
      },
      (state) => {
        $('graph-live').textContent = /^(connected|reconnected)/.test(state) ? "Live: following this graph's events" : 'Live updates ' + state;
        if (state !== 'connected') return;
        decisionsChanged();
        scheduleReload(reload);
      },
    );
    await first;
  }

  /** A burst of events is one reload, 300 ms after the last event but at most 1 s after the first: a graph whose events never pause is still redrawn. */
  const RELOAD_QUIET_MS = 300;
  const RELOAD_MAX_WAIT_MS = 1000;
  let reloadTimer = null;
  let reloadAskedAt = 0;
  function scheduleReload(reload) {
    const now = Date.now();
    if (reloadTimer === null) reloadAskedAt = now;
    else clearTimeout(reloadTimer);
    reloadTimer = setTimeout(
      () => {
        reloadTimer = null;
        reload();
      },
      Math.max(0, Math.min(RELOAD_QUIET_MS, reloadAskedAt + RELOAD_MAX_WAIT_MS - now)),
    );
  }

  // ---------- Server-Sent Events over fetch (EventSource cannot send the Authorization header) ----------

  /** Follows an SSE stream; after a drop it reconnects with Last-Event-ID, so no event is lost. */
  function follow(path, onEvent, onState) {
    let lastId = null;
    let stopped = false;
    const controller = { abort: null };
    async function connect() {
      while (!stopped) {
        const abort = new AbortController();
        controller.abort = abort;
        try {
          const headers = { accept: 'text/event-stream' };
          if (lastId !== null) headers['last-event-id'] = lastId;
          const response = await api(path, { headers, signal: abort.signal });
          if (!response.ok) throw await problemOf(response);
          onState(lastId === null ? 'connected' : 'reconnected after ' + lastId);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const message = { id: null, event: 'message', data: '' };
              for (const line of block.split('\n')) {
                if (line.startsWith(':')) continue;
                const colon = line.indexOf(':');
                const field = colon < 0 ? line : line.slice(0, colon);
                const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'id') message.id = text;
                else if (field === 'event') message.event = text;
                else if (field === 'data') message.data += (message.data ? '\n' : '') + text;
              }
              if (message.id !== null) lastId = message.id;
              if (message.data) onEvent(message);
            }
          }
          onState('disconnected; reconnecting');
        } catch (error) {
          if (stopped) return;
          // A token refused stays refused: no reconnect until the page is loaded again with another.
          if (error.status === 401 || error.status === 403) return onState('stopped (' + error.message + ')');
          onState('disconnected (' + error.message + '); reconnecting');
          await new Promise((resolve) => setTimeout(resolve, Math.min(60, error.retryAfter || 1) * 1000));
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    void connect();
    return () => {
      stopped = true;
      if (controller.abort) controller.abort.abort();
    };
  }

  function eventsView() {
    const table = $('events-table').tBodies[0];
    const state = $('events-state');
    const graphInput = $('events-graph');
    graphInput.value = new URLSearchParams(location.search).get('graph') || '';
    let stop = null;
    function start() {
      if (stop) stop();
      table.replaceChildren();
      const graph = graphInput.value.trim();
      history.replaceState(null, '', '/ui/events' + (graph ? '?graph=' + encodeURIComponent(graph) : ''));
      stop = follow(
        '/events/stream' + (graph ? '?graph=' + encodeURIComponent(graph) : ''),
        (message) => {
          let event;
          try {
            event = JSON.parse(message.data);
          } catch {
            return;
          }
          if (message.event === 'shutdown') return;
          table.prepend(el('tr', { class: 'event-row', 'data-position': String(event.position) }, el('td', {}, String(event.position)), el('td', {}, formatTime(event.at)), el('td', {}, event.type), el('td', {}, event.streamId)));
          while (table.rows.length > 500) table.deleteRow(-1);
        },
        (text) => {
          state.textContent = (graph ? 'Graph ' + graph + ': ' : 'All graphs: ') + text;
        },
      );
    }
    $('events-form').addEventListener('submit', (event) => {
      event.preventDefault();
      start();
    });
    start();
  }

  // ---------- what-if ----------

  function whatIfView() {
    const result = $('what-if-result');
    // A dry run is a POST to the deploy route: the API asks an operate token for it.
    $('what-if-form').hidden = !canOperate();
    $('what-if-read-only').hidden = canOperate() || role === null;
    $('what-if-file').addEventListener('change', async (event) => {
      const file = event.target.files[0];
      if (file) $('what-if-descriptor').value = await file.text();
    });
    $('what-if-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const project = $('what-if-project').value.trim();
      result.replaceChildren(el('p', {}, 'Placing…'));
      try {
        const answer = await json('/project/' + encodeURIComponent(project) + '/graphs?dryRun=true', {
          method: 'POST',
          headers: { 'content-type': 'application/yaml' },
          body: $('what-if-descriptor').value,
        });
        result.replaceChildren(
          el('h2', {}, 'Dry-run placement (nothing recorded)'),
          el(
            'table',
            { class: 'data', id: 'what-if-table' },
            el('thead', {}, el('tr', {}, ['Service', 'Cluster', 'Chart', 'Trigger', 'Values'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              answer.services.map((s) =>
                el('tr', { 'data-service': s.name }, el('th', { scope: 'row' }, s.name), el('td', { class: 'cluster' }, s.cluster || '–'), el('td', {}, el('code', {}, typeof s.chart === 'string' ? s.chart : JSON.stringify(s.chart))), el('td', {}, typeof s.trigger === 'string' ? s.trigger : JSON.stringify(s.trigger)), el('td', {}, el('details', {}, el('summary', {}, 'values'), el('pre', {}, JSON.stringify(s.values, null, 2))))),
              ),
            ),
          ),
          answer.warnings && answer.warnings.length ? el('ul', { class: 'warnings' }, answer.warnings.map((w) => el('li', {}, (w.pointer || '(body)') + ': ' + w.message))) : '',
        );
      } catch (error) {
        result.replaceChildren(problemNode(error));
      }
    });
  }

  // ---------- start ----------

  void loadHealth();
  setInterval(loadHealth, 30_000);
  loadSession().then(() => {
    const views = { graphs: graphsView, graph: graphView, events: eventsView, 'what-if': whatIfView };
    return views[view]();
  }).finally(() => {
    body.dataset.ready = 'true';
    // Read by bench/ui.bench.ts: navigation start → data rendered and handlers attached.
    performance.mark('console-ready');
  });
})();
