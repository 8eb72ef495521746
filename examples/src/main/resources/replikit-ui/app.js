// The live page of a replikit serve node: renders the status events of GET /events (the body of GET /status) and
// its timeline events. Plain JS, no library, no outside network. Unknown or absent fields are skipped, so a node
// that hosts other families (multiLeader, rings) or an older one that does not still renders.
'use strict';
(function () {
  const WINDOW_MS = 60000;
  const MAX_ROWS = 200;
  const COLOURS = ['#2356c4', '#c4231b', '#1a7f37', '#b35900', '#7a3fc4', '#0f8a8a', '#8a6d0f'];
  const SVG = 'http://www.w3.org/2000/svg';

  const state = {
    feed: null,          // feedStartedAt of the node's feed: a new one means the node restarted
    maxSeq: 0,           // highest timeline event shown (reconnects may resend some)
    samples: new Map(),  // "group/follower" -> [{t, entries, millis}] over the last minute
    applied: new Map(),  // multi-leader id -> last applied counters, to show changes flowing
    graphs: new Map(),   // "kind/id" -> the svg of a graph, kept across updates so flows can run
    down: null,          // node names the cluster view shows unreachable, leaving or gone (null: no view)
  };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) e.setAttribute(k, v);
    }
    return e;
  }

  function fact(label, value, cls) {
    return el('div', {}, el('dt', { text: label }), el('dd', { class: cls, text: value === null || value === undefined ? '–' : value }));
  }

  function time(ms) {
    const d = new Date(ms);
    return d.toLocaleTimeString([], { hour12: false });
  }

  // --- connection ---

  function setConnection(s, text) {
    document.body.dataset.state = s;
    document.getElementById('connection').textContent = text;
  }

  // The stream is read with fetch rather than EventSource, which cannot send an Authorization header: with
  // replikit.serve.auth.reads = closed the page sends the node's bearer token, given once in the form (or in the
  // address as #token=..., which the browser never sends to the server) and kept for this tab only.
  const TOKEN_KEY = 'replikit-token';
  const RETRY_MS = 2000;

  function token() {
    const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function askForToken(problem) {
    setConnection('lost', 'token needed');
    const form = document.getElementById('token-form');
    form.hidden = false;
    document.getElementById('token-problem').textContent = problem || '';
    form.onsubmit = ev => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
      form.hidden = true;
      connect();
    };
  }

  const handlers = {
    hello: data => {
      const hello = JSON.parse(data);
      if (state.feed !== null && state.feed !== hello.feedStartedAt) {
        // the node restarted: its sequence numbers start again
        state.maxSeq = 0;
        document.getElementById('timeline').replaceChildren();
      }
      state.feed = hello.feedStartedAt;
      document.getElementById('node').textContent = hello.node;
      document.title = 'Replikit live: ' + hello.node;
    },
    timeline: data => addEvent(JSON.parse(data)),
    status: data => render(JSON.parse(data)),
  };

  // one server-sent event: 'event:' and 'data:' lines (several data lines are one value), ':' lines are comments
  function dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value; else if (field === 'data') data.push(value);
    }
    if (data.length > 0 && handlers[event]) handlers[event](data.join('\n'));
  }

  async function connect() {
    const headers = { Accept: 'text/event-stream' };
    const t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    let response;
    try {
      response = await fetch('../events', { headers, cache: 'no-store' });
    } catch (e) {
      setConnection('connecting', 'reconnecting…');
      setTimeout(connect, RETRY_MS);
      return;
    }
    if (response.status === 401) {
      let reason = '';
      try { reason = (await response.json()).error || ''; } catch (e) { /* not JSON: no reason to show */ }
      if (t) sessionStorage.removeItem(TOKEN_KEY);
      askForToken(t ? 'refused: ' + reason : '');
      return;
    }
    if (!response.ok || !response.body) {
      setConnection('connecting', 'HTTP ' + response.status + ', retrying…');
      setTimeout(connect, RETRY_MS);
      return;
    }
    setConnection('live', 'live');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (e) {
      // the node went away mid-stream: try again, as EventSource would
    }
    setConnection('connecting', 'reconnecting…');
    setTimeout(connect, RETRY_MS);
  }

  // --- timeline ---

  function addEvent(e) {
    if (e.seq <= state.maxSeq) return;
    state.maxSeq = e.seq;
    const list = document.getElementById('timeline');
    const row = el('li', { 'data-kind': e.kind, 'data-family': e.family, 'data-id': e.id, 'data-seq': e.seq },
      el('time', { text: time(e.at) }), el('span', { class: 'kind', text: e.kind }), el('span', { class: 'text', text: e.text }));
    list.prepend(row);
    while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  }

  // --- status ---

  function render(s) {
    document.getElementById('updated').textContent = 'updated ' + time(Date.now());
    if (s.node) document.getElementById('node').textContent = s.node;
    renderCluster(s.cluster);
    state.down = downNodes(s.cluster);
    const now = Date.now();
    renderList('groups', Array.isArray(s.groups) ? s.groups : [], g => g.groupId, 'group', (g, card) => renderGroup(g, card, now),
      'none hosted on this node');
    renderSharded(Array.isArray(s.sharded) ? s.sharded : []);
    const multis = Array.isArray(s.multiLeader) ? s.multiLeader : [];
    document.getElementById('multi-leader').hidden = multis.length === 0;
    renderList('multis', multis, m => m.id, 'multi', renderMulti, '');
    const rings = Array.isArray(s.rings) ? s.rings : [];
    document.getElementById('leaderless').hidden = rings.length === 0;
    renderList('rings', rings, r => r.id, 'ring', renderRing, '');
  }

  // one card per entry, kept by id so that charts and graphs persist between updates
  function renderList(containerId, entries, idOf, kind, renderOne, emptyText) {
    const container = document.getElementById(containerId);
    const seen = new Set();
    for (const entry of entries) {
      const id = String(idOf(entry));
      seen.add(id);
      let card = container.querySelector(`section[data-${kind}="${CSS.escape(id)}"]`);
      if (!card) {
        card = el('section', { class: 'card ' + kind, ['data-' + kind]: id });
        container.append(card);
      }
      try {
        renderOne(entry, card);
      } catch (err) {
        card.replaceChildren(el('h3', { text: id }), el('p', { class: 'error', text: 'cannot show this entry: ' + err }));
      }
    }
    for (const card of [...container.querySelectorAll(`section[data-${kind}]`)]) {
      if (!seen.has(card.getAttribute('data-' + kind))) card.remove();
    }
    const placeholder = container.querySelector(':scope > p.empty');
    if (entries.length === 0 && !placeholder && emptyText) container.append(el('p', { class: 'empty', text: emptyText }));
    if (entries.length > 0 && placeholder) placeholder.remove();
  }

  // one row per replica of a sharded keyspace placed on this node (GET /status 'sharded'); a multi-leader replica
  // shows the incarnation it writes as and the changes it applied, a leaderless one the incarnation it mints as
  function renderSharded(rows) {
    document.getElementById('sharded').hidden = rows.length === 0;
    const head = el('tr', {}, ...['keyspace', 'partition', 'replica', 'role', 'epoch', 'leader', 'applied', 'last',
      'family'].map(h => el('th', { text: h })));
    const shown = v => (v === undefined || v === null ? '' : v);
    const body = rows.map(r => {
      const family = r.family || 'single-leader';
      let role;
      let applied;
      let last;
      if (r.error) {
        role = 'no answer';
      } else if (family === 'multi-leader') {
        role = 'leader as ' + r.writesAs;
        applied = Object.values(r.applied || {}).reduce((a, b) => a + b, 0);
        last = r.pending ? r.pending + ' pending' : '';
      } else if (family === 'leaderless') {
        role = 'replica as ' + r.mintsAs;
        applied = r.keys + ' keys';
        last = r.siblingKeys ? r.siblingKeys + ' with siblings' : '';
      } else {
        role = r.role + (r.rejoining ? ' (rejoining)' : '');
        applied = r.appliedPosition;
        last = r.lastPosition;
      }
      const leader = family === 'single-leader' ? (r.leader === null || r.leader === undefined ? 'none' : r.leader)
        : 'every replica';
      return el('tr', { 'data-group': r.group, 'data-family': family },
        el('td', { text: r.keyspace }), el('td', { text: r.partition }), el('td', { text: r.replica }),
        el('td', { text: role }), el('td', { text: shown(r.epoch) }),
        el('td', { text: family === 'leaderless' ? 'none (leaderless)' : leader }),
        el('td', { text: shown(applied) }), el('td', { text: shown(last) }), el('td', { text: family }));
    });
    document.getElementById('sharded-replicas').replaceChildren(el('table', { class: 'followers' }, head, ...body));
  }

  function renderCluster(cluster) {
    const list = document.getElementById('nodes');
    const members = cluster && Array.isArray(cluster.members) ? cluster.members : [];
    if (cluster && cluster.error) {
      list.replaceChildren(el('li', { class: 'error', text: cluster.error }));
      return;
    }
    if (members.length === 0) {
      list.replaceChildren(el('li', { class: 'empty', text: 'no members known' }));
      return;
    }
    list.replaceChildren(...members.map(m => {
      const classes = [String(m.status).toLowerCase(), m.reachable === false ? 'unreachable' : '',
        cluster.self === m.address ? 'self' : ''].join(' ');
      return el('li', { class: classes, 'data-node': m.node || m.address, title: m.address },
        (m.node || m.address) + ' · ' + m.status + (m.reachable === false ? ' · unreachable' : ''));
    }));
  }

  // the nodes a graph draws as down: unreachable, on their way out, or no longer members (only when the members are
  // known, so that a missing cluster view does not paint every node red)
  function downNodes(cluster) {
    if (!cluster || cluster.error || !Array.isArray(cluster.members) || cluster.members.length === 0) return null;
    const up = new Set(), down = new Set();
    for (const m of cluster.members) {
      if (!m.node) continue;
      if (m.reachable === false || ['Leaving', 'Exiting', 'Down', 'Removed'].includes(m.status)) down.add(m.node);
      else up.add(m.node);
    }
    return { up, down };
  }

  function isDown(node) {
    return state.down !== null && (state.down.down.has(node) || !state.down.up.has(node));
  }

  // --- single-leader ---

  function renderGroup(g, card, now) {
    if (g.error) {
      card.replaceChildren(el('h3', { text: g.groupId }), el('p', { class: 'error', text: g.error }));
      return;
    }
    const followers = Array.isArray(g.followers) ? g.followers : [];
    const series = [];
    if (g.role === 'leader') {
      for (const f of followers) {
        const lag = (f.lag && f.lag.applied) || { entries: f.lagEntries, millis: f.lagMillis };
        series.push({ name: f.id, samples: sample(g.groupId + '/' + f.id, now, lag.entries, lag.millis) });
      }
    } else {
      // a follower knows its own lag only: the leader's page shows every follower's
      const own = g.lagEntries !== undefined ? g.lagEntries : Math.max(0, (g.leaderLastPosition || 0) - (g.appliedPosition || 0));
      series.push({ name: g.replica + ' (this node)', samples: sample(g.groupId + '/' + g.replica, now, own, g.stalenessMillis) });
    }
    const facts = el('dl', { class: 'facts' },
      fact('leader', g.leader === null ? 'none (election)' : g.leader, 'leader'),
      fact('epoch', g.epoch, 'epoch'),
      fact('this node', g.replica + ' · ' + g.role, 'role'),
      fact('applied', g.appliedPosition, 'applied'),
      fact('last', g.lastPosition, 'last'),
      fact('ack', g.ackPolicy),
      g.role !== 'leader' ? fact('staleness ms', g.stalenessMillis, 'staleness') : null,
      g.divergentWrites ? fact('divergent', g.divergentWrites, 'divergent') : null,
      fact('log', g.logFormat));
    const parts = [el('h3', {}, g.groupId + ' ', el('span', { class: 'family', text: 'single-leader' })), facts];
    if (g.replicationError) parts.push(el('p', { class: 'error', text: 'replication error: ' + g.replicationError }));
    if (g.role === 'leader') {
      parts.push(followers.length === 0 ? el('p', { class: 'empty', text: 'no followers' }) : followerTable(followers));
    } else {
      parts.push(el('p', { class: 'empty', text: 'every follower\'s lag is shown on the leader\'s page' + (g.leader ? ' (' + g.leader + ')' : '') }));
    }
    parts.push(el('div', { class: 'charts' },
      chart('lag, entries (applied)', series, s => s.entries),
      chart('lag, ms (applied)', series, s => s.millis)), legend(series));
    card.replaceChildren(...parts);
  }

  function followerTable(followers) {
    const head = el('tr', {}, ...['follower', 'state', 'sync', 'received', 'persisted', 'applied', 'lag entries', 'lag ms', 'heard ms ago']
      .map(h => el('th', { text: h })));
    const rows = followers.map(f => {
      const lag = (f.lag && f.lag.applied) || { entries: f.lagEntries, millis: f.lagMillis };
      const stateCell = el('td', { class: 'state state-' + f.state }, f.state);
      if (f.state === 'snapshot' && f.snapshotChunksTotal > 0 && f.snapshotChunksSent !== undefined) {
        stateCell.append(' ', el('progress', { max: f.snapshotChunksTotal, value: f.snapshotChunksSent }),
          el('span', { class: 'transfer', text: ' ' + f.snapshotChunksSent + '/' + f.snapshotChunksTotal + ' chunks' }));
      }
      return el('tr', { 'data-follower': f.id }, el('td', { text: f.id }), stateCell, el('td', { text: f.syncState }),
        el('td', { text: f.received }), el('td', { text: f.persisted }), el('td', { class: 'applied', text: f.applied }),
        el('td', { class: 'lag-entries', text: lag.entries }), el('td', { class: 'lag-ms', text: lag.millis }),
        el('td', { text: f.lastHeardMillisAgo }));
    });
    return el('table', { class: 'followers' }, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  function sample(key, now, entries, millis) {
    let list = state.samples.get(key);
    if (!list) state.samples.set(key, list = []);
    list.push({ t: now, entries: Number(entries), millis: Number(millis) });
    while (list.length > 0 && list[0].t < now - WINDOW_MS) list.shift();
    return list;
  }

  function chart(caption, series, value) {
    const w = 320, h = 90, pad = 22;
    const now = Date.now();
    let max = 1;
    for (const s of series) for (const p of s.samples) { const v = value(p); if (v >= 0 && v > max) max = v; }
    const root = svg('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': caption });
    root.append(svg('line', { class: 'axis', x1: pad, y1: h - pad / 2, x2: w, y2: h - pad / 2 }));
    root.append(svg('line', { class: 'axis', x1: pad, y1: 4, x2: pad, y2: h - pad / 2 }));
    const top = svg('text', { x: 2, y: 12 }); top.textContent = String(max); root.append(top);
    const zero = svg('text', { x: 2, y: h - pad / 2 }); zero.textContent = '0'; root.append(zero);
    const ago = svg('text', { x: pad + 2, y: h - 1 }); ago.textContent = '−60 s'; root.append(ago);
    const nowLabel = svg('text', { x: w - 24, y: h - 1 }); nowLabel.textContent = 'now'; root.append(nowLabel);
    series.forEach((s, i) => {
      const points = s.samples.filter(p => value(p) >= 0).map(p => {
        const x = pad + (w - pad) * (1 - (now - p.t) / WINDOW_MS);
        const y = (h - pad / 2) - (h - pad / 2 - 6) * (value(p) / max);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      if (points.length > 0) {
        root.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: COLOURS[i % COLOURS.length], 'stroke-width': 1.5 }));
      }
    });
    return el('figure', { class: 'chart' }, root, el('figcaption', { text: caption }));
  }

  function legend(series) {
    return el('div', { class: 'legend' }, ...series.map((s, i) =>
      el('span', {}, el('i', { style: 'background:' + COLOURS[i % COLOURS.length] }), s.name)));
  }

  // --- graphs (multi-leader topologies, leaderless rings) ---

  function positions(names, w, h) {
    const r = Math.min(w, h) / 2 - 26;
    const pos = new Map();
    names.forEach((n, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, names.length);
      pos.set(n, { x: w / 2 + r * Math.cos(a), y: h / 2 + r * Math.sin(a) });
    });
    return pos;
  }

  function edgesOf(topology, members) {
    const edges = [];
    if (topology === 'star') {
      for (let i = 1; i < members.length; i++) edges.push([members[0], members[i]]);
    } else if (topology === 'circular') {
      for (let i = 0; i < members.length && members.length > 1; i++) {
        if (members.length === 2 && i === 1) break;
        edges.push([members[i], members[(i + 1) % members.length]]);
      }
    } else {
      for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) edges.push([members[i], members[j]]);
    }
    return edges;
  }

  // the graph's svg, made again only when its members or topology change, so running flows are kept
  function graph(key, members, edges, self, w, h) {
    const signature = JSON.stringify([members, edges, self]);
    let g = state.graphs.get(key);
    if (g && g.signature === signature) return g;
    const root = svg('svg', { class: 'graph', width: w, height: h, viewBox: `0 0 ${w} ${h}`, 'data-graph': key, 'data-flows': 0 });
    const pos = positions(members, w, h);
    const edgeLayer = svg('g'), flowLayer = svg('g'), nodeLayer = svg('g');
    for (const [a, b] of edges) {
      const p = pos.get(a), q = pos.get(b);
      edgeLayer.append(svg('line', { class: 'edge', x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'data-edge': a + '-' + b }));
    }
    const labels = new Map(), circles = new Map();
    for (const m of members) {
      const p = pos.get(m);
      const circle = svg('circle', { class: 'member' + (m === self ? ' self' : ''), cx: p.x, cy: p.y, r: 18, 'data-member': m });
      nodeLayer.append(circle);
      circles.set(m, circle);
      const t = svg('text', { x: p.x, y: p.y }); t.textContent = m; nodeLayer.append(t);
      const badge = svg('text', { class: 'badge', x: p.x, y: p.y + 28, 'data-member': m }); nodeLayer.append(badge);
      labels.set(m, badge);
    }
    root.append(edgeLayer, flowLayer, nodeLayer);
    g = { signature, root, pos, flowLayer, labels, circles, edges, flows: 0 };
    state.graphs.set(key, g);
    return g;
  }

  // every render: which members the cluster view shows down (the svg itself is kept)
  function markDown(g) {
    for (const [m, circle] of g.circles) {
      circle.classList.toggle('down', isDown(m));
      circle.setAttribute('aria-label', m + (isDown(m) ? ' (down)' : ''));
    }
  }

  // the shortest path along the topology's edges, which is how a change travels from its origin
  function route(edges, from, to) {
    const next = new Map();
    for (const [a, b] of edges) {
      (next.get(a) || next.set(a, []).get(a)).push(b);
      (next.get(b) || next.set(b, []).get(b)).push(a);
    }
    const prev = new Map([[from, null]]);
    const queue = [from];
    while (queue.length > 0) {
      const n = queue.shift();
      if (n === to) break;
      for (const m of next.get(n) || []) if (!prev.has(m)) { prev.set(m, n); queue.push(m); }
    }
    if (!prev.has(to)) return null;
    const path = [];
    for (let n = to; n !== null; n = prev.get(n)) path.unshift(n);
    return path;
  }

  function flow(g, path) {
    const d = path.map((n, i) => (i === 0 ? 'M' : 'L') + g.pos.get(n).x.toFixed(1) + ' ' + g.pos.get(n).y.toFixed(1)).join(' ');
    const dot = svg('circle', { class: 'flow', r: 5, 'data-from': path[0], 'data-to': path[path.length - 1] });
    const motion = svg('animateMotion', { dur: (0.6 * (path.length - 1)) + 's', path: d, fill: 'freeze' });
    dot.append(motion);
    g.flowLayer.append(dot);
    // a count that outlives the dots, for a reader (or a test) that looks after the dot has gone
    g.root.setAttribute('data-flows', ++g.flows);
    if (motion.beginElement) motion.beginElement();
    setTimeout(() => dot.remove(), 700 * path.length);
  }

  function renderMulti(m, card) {
    const members = Array.isArray(m.members) ? m.members.map(String) : [];
    const edges = edgesOf(m.topology, members);
    const g = graph('multi/' + m.id, members, edges, m.replica, 260, 220);
    markDown(g);
    const before = state.applied.get(m.id);
    const applied = m.applied || {};
    if (before) {
      for (const [origin, count] of Object.entries(applied)) {
        if (count > (before[origin] || 0) && origin !== m.replica && members.includes(origin) && members.includes(m.replica)) {
          const path = route(edges, origin, m.replica);
          if (path && path.length > 1) flow(g, path);
        }
      }
    }
    state.applied.set(m.id, Object.assign({}, applied));
    for (const [member, badge] of g.labels) badge.textContent = applied[member] !== undefined ? '↓' + applied[member] : '';
    const byResolution = Object.entries(m.conflictsByResolution || {}).map(([k, v]) => k + ': ' + v).join(', ');
    const facts = el('dl', { class: 'facts' },
      fact('this node', m.replica, 'replica'), fact('topology', m.topology, 'topology'),
      fact('neighbours', (m.neighbours || []).join(', ')), fact('pending', m.pending), fact('keys', m.keys),
      fact('conflicts', m.conflicts, 'conflicts'), byResolution ? fact('by resolution', byResolution) : null,
      fact('loops prevented', m.loopsPrevented));
    const conflicts = Array.isArray(m.recentConflicts) && m.recentConflicts.length > 0
      ? el('table', { class: 'conflicts' }, el('thead', {}, el('tr', {}, ...['key', 'resolution', 'winner', 'at'].map(h => el('th', { text: h })))),
        el('tbody', {}, ...m.recentConflicts.slice(-10).reverse().map(c => el('tr', {}, el('td', { text: c.key }),
          el('td', { text: c.resolution }), el('td', { text: c.winner }), el('td', { text: c.atMillis ? time(c.atMillis) : '' })))))
      : el('p', { class: 'empty', text: 'no recent conflicts' });
    card.replaceChildren(el('h3', {}, m.id + ' ', el('span', { class: 'family', text: 'multi-leader · ' + m.topology })),
      facts, g.root, el('p', { class: 'legend', text: '↓n: changes applied here from that origin; a dot runs along the edges when one arrives; a red dashed node is unreachable or gone' }), conflicts);
  }

  function renderRing(r, card) {
    const nodes = Array.isArray(r.nodes) ? r.nodes.map(String) : [];
    const edges = edgesOf('circular', nodes);
    const g = graph('ring/' + r.id, nodes, edges, r.node, 260, 220);
    markDown(g);
    const byTarget = (r.hints && r.hints.byTarget) || {};
    for (const [n, badge] of g.labels) badge.textContent = byTarget[n] ? byTarget[n] + ' hint' + (byTarget[n] === 1 ? '' : 's') : '';
    const c = r.coordinator || {}, rep = r.replica || {}, ae = r.antiEntropy || {};
    const facts = el('dl', { class: 'facts' },
      fact('this node', r.node, 'node'), fact('N/W/R', [r.n, r.w, r.r].join('/')),
      fact('writes', c.writes), fact('reads', c.reads), fact('failed', c.failed), fact('sloppy writes', c.sloppyWrites),
      fact('read repairs', c.readRepairs, 'read-repairs'), fact('keys', rep.keys), fact('sibling keys', rep.siblingKeys),
      fact('hints waiting', r.hints ? r.hints.waiting : null, 'hints'),
      fact('anti-entropy exchanges', ae.exchanges), fact('keys repaired', ae.keysRepaired, 'repaired'));
    card.replaceChildren(el('h3', {}, r.id + ' ', el('span', { class: 'family', text: 'leaderless ring' })), facts, g.root,
      el('p', { class: 'legend', text: 'under a node: hints this node holds for it while it is unreachable; a red dashed node is unreachable or gone' }));
  }

  document.getElementById('show-writes').addEventListener('change', ev =>
    document.body.classList.toggle('hide-writes', !ev.target.checked));
  connect();
})();
