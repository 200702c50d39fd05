// lockstep serve: the UI. Every value comes from posts written by
// adversaries, so values only ever enter the page as text nodes or as
// attributes set through the DOM (never innerHTML), and links are made only
// for http(s) URLs, opened without referrer or opener. The page state lives
// in the URL's hash (#cluster=3&account=x:1), so a view can be linked.
"use strict";

const V = window.LockstepVendor;
const ui = { sigma: null, graph: null, cluster: null, offset: 0, pageSize: 200 };
window.lockstepUI = ui; // for the browser test: where a node is drawn

// Bidirectional overrides and other invisible controls reorder or hide
// text (an adversary's "evil\u202egnp.exe" reads as "evilexe.png"): they
// are shown as their code points instead, as the report does.
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
function visible(s) {
  return String(s).replace(INVISIBLE, (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}]`);
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "onclick") e.addEventListener("click", v);
    else if (k === "className") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(visible(c)));
  }
  return e;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  return q.toString();
}

async function api(kind, params) {
  const r = await fetch(`/api/${kind}?${query(params)}`);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || `${kind}: HTTP ${r.status}`);
  return body;
}

function csvLink(kind, params) {
  return el("a", { className: "csv", href: `/api/${kind}?${query({ ...params, format: "csv" })}`, download: `lockstep-${kind}.csv` }, "CSV");
}

// A URL in a post, as a link only when it is http(s); anything else
// (javascript:, data:, ...) stays text.
function urlCell(text) {
  let u = null;
  try { u = new URL(text); } catch (_) { /* not a URL */ }
  if (u && (u.protocol === "http:" || u.protocol === "https:")) {
    return el("a", { href: u.href, target: "_blank", rel: "noopener noreferrer nofollow" }, text);
  }
  return text;
}

function accountButton(id) {
  return el("button", { type: "button", className: "link account", onclick: (ev) => { ev.stopPropagation(); setHash({ account: id }); } }, id);
}

function itemButton(layer, object) {
  return el("button", { type: "button", className: "link item", onclick: (ev) => { ev.stopPropagation(); setHash({ layer, object }); } }, object);
}

const ACCOUNT_COLUMNS = new Set(["account", "partner", "account_a", "account_b"]);

// A table from the API's {columns, rows, total, complete}, with a CSV link.
function table(title, kind, params, data, opts) {
  opts = opts || {};
  const cols = data.columns;
  const layerAt = cols.indexOf("layer");
  const head = el("h3", {}, title, ` (${data.total})`, csvLink(kind, params));
  const notes = [];
  if (data.total > data.rows.length) notes.push(el("p", { className: "note" }, `showing ${data.rows.length} of ${data.total}; the CSV has them all`));
  if (!data.complete) notes.push(el("p", { className: "note" }, "the scan of pairs.csv stopped at its time limit: the list may be incomplete"));
  const tbody = el("tbody");
  for (const row of data.rows) {
    const tr = el("tr");
    row.forEach((v, i) => {
      const c = cols[i];
      let content = v;
      if (ACCOUNT_COLUMNS.has(c) && v) content = accountButton(v);
      else if (c === "object" && layerAt >= 0) content = row[layerAt] === "url" ? urlCell(v) : itemButton(row[layerAt], v);
      tr.append(el("td", {}, content));
    });
    if (opts.onRow) {
      tr.addEventListener("click", () => opts.onRow(row));
      tr.tabIndex = 0;
    }
    tbody.append(tr);
  }
  const t = el("table", { className: opts.onRow ? "clickable" : "" }, el("thead", {}, el("tr", {}, cols.map((c) => el("th", {}, c)))), tbody);
  return el("div", { className: "table", "data-kind": kind }, head, notes, el("div", { className: "scroll" }, t));
}

function kvTable(obj) {
  const rows = Object.entries(obj || {}).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v === null ? "" : v)));
  return el("table", { className: "kv" }, el("tbody", {}, rows));
}

function showError(where, err) {
  where.replaceChildren(el("p", { className: "error" }, String(err.message || err)));
}

// ---- the URL hash is the state ----

function getHash() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

function setHash(change) {
  const h = getHash();
  // A new selection replaces the previous one; the cluster stays.
  for (const k of ["account", "a", "b", "layer", "object", "q"]) delete h[k];
  Object.assign(h, change);
  const next = "#" + query(h);
  if (next === location.hash) route(); else location.hash = next;
}

async function route() {
  const h = getHash();
  if (h.cluster && h.cluster !== ui.cluster) await selectCluster(h.cluster);
  const detail = document.getElementById("detail");
  if (h.account) await showAccount(h.account);
  else if (h.a && h.b) await showEdge(h.a, h.b);
  else if (h.layer && h.object) await showItem(h.layer, h.object);
  else if (h.q) await showSearch(h.q);
  else detail.replaceChildren(el("p", { className: "hint" }, "Click an account or an edge in the graph, or a name in a table."));
  highlight(h.account);
}

// ---- the run and the cluster list ----

async function loadRun(fetched) {
  const info = fetched || await api("run");
  ui.generation = info.generation;
  const s = info.summary || {};
  const records = s.records || {};
  const c = s.coordinated || {};
  document.getElementById("run-info").textContent = visible(
    `lockstep ${s.lockstep_version || "?"} · records read ${records.read ?? "?"}, used ${records.used ?? "?"}, skipped ${records.skipped ?? "?"} · ` +
    `${c.clusters ?? info.loaded.clusters} clusters, ${c.vertices ?? "?"} coordinated accounts, ${info.loaded.pair_rows} evidence pairs`);
  const layer = document.getElementById("f-layer");
  const chosen = layer.value;
  layer.replaceChildren(el("option", { value: "" }, "any"));
  for (const l of info.layers) layer.append(el("option", { value: l }, l));
  layer.value = info.layers.includes(chosen) ? chosen : "";
}

// A folder that a newer run replaces (`lockstep watch` refreshing it) is
// loaded again by the server: the page follows, keeping what is chosen.
const FOLLOW_EVERY_MS = 10000;

async function followRun() {
  let info;
  try { info = await api("run"); } catch (e) { return; }
  if (info.generation === ui.generation) return;
  await loadRun(info);
  await loadClusters(false);
  ui.cluster = null;
  await route();
  const note = document.getElementById("run-info");
  note.textContent = visible(`${note.textContent} · refreshed at ${new Date().toLocaleTimeString()}`);
}

function clusterFilters() {
  return {
    min_accounts: document.getElementById("f-size").value,
    min_score: document.getElementById("f-score").value,
    layer: document.getElementById("f-layer").value,
    sort: document.getElementById("f-sort").value,
  };
}

async function loadClusters(append) {
  const list = document.getElementById("cluster-list");
  ui.offset = append ? ui.offset + ui.pageSize : 0;
  const params = { ...clusterFilters(), offset: ui.offset, limit: ui.pageSize };
  let data;
  try { data = await api("clusters", params); } catch (e) { showError(document.getElementById("cluster-count"), e); return; }
  const count = document.getElementById("cluster-count");
  count.replaceChildren(`${data.total} clusters match`, csvLink("clusters", clusterFilters()));
  if (!append) {
    list.replaceChildren(el("thead", {}, el("tr", {}, ["cluster", "accounts", "score", "layers"].map((c) => el("th", {}, c)))), el("tbody"));
  }
  const tbody = list.tBodies[0];
  const col = (n) => data.columns.indexOf(n);
  for (const row of data.rows) {
    const id = row[col("cluster")];
    const tr = el("tr", { "data-cluster": id, title: visible(row[col("explanation")]) },
      el("td", {}, id), el("td", {}, row[col("accounts")]), el("td", {}, row[col("score")]), el("td", {}, row[col("layers")]));
    tr.addEventListener("click", () => { location.hash = "#" + query({ cluster: id }); });
    tbody.append(tr);
  }
  markSelectedCluster();
  document.getElementById("more").hidden = ui.offset + data.rows.length >= data.total;
}

function markSelectedCluster() {
  for (const tr of document.querySelectorAll("#cluster-list tbody tr")) tr.classList.toggle("selected", tr.dataset.cluster === ui.cluster);
}

// ---- a cluster ----

async function selectCluster(id) {
  ui.cluster = id;
  markSelectedCluster();
  const head = document.getElementById("cluster-head");
  const tables = document.getElementById("cluster-tables");
  head.replaceChildren(el("p", { className: "hint" }, `loading cluster ${id}…`));
  try {
    const [detail, members, points] = await Promise.all([
      api("cluster", { id }), api("members", { cluster: id, limit: 1000 }), api("talking_points", { cluster: id }),
    ]);
    const c = detail.cluster || {};
    const parts = [el("h2", {}, `Cluster ${id}: ${c.accounts} accounts, ${c.edges} edges`)];
    if (detail.campaign) {
      parts.push(el("p", { className: "explain" }, `campaign score ${detail.campaign.score}: ${detail.campaign.explanation}`));
    }
    parts.push(el("p", {}, `first ${c.first_time_utc} · last ${c.last_time_utc} · layers ${detail.layers.join(", ")}`));
    if (detail.fingerprints) parts.push(el("details", {}, el("summary", {}, "fingerprints"), kvTable(detail.fingerprints)));
    head.replaceChildren(...parts);
    tables.replaceChildren(
      table("Talking points per day", "talking_points", { cluster: id }, points),
      table("Accounts", "members", { cluster: id }, members),
    );
    await Promise.all([drawGraph(id), drawTimeline(id)]);
  } catch (e) {
    showError(head, e);
  }
}

async function drawGraph(id) {
  const max = document.getElementById("max-nodes").value;
  const g = await api("graph", { cluster: id, max_nodes: max });
  if (ui.sigma) { ui.sigma.kill(); ui.sigma = null; }
  const graph = new V.Graph({ type: "undirected", multi: false });
  const n = g.nodes.length;
  const top = Math.max(...g.nodes.map((x) => x.strength), 1);
  g.nodes.forEach((x, i) => {
    // A circle to start from: the same layout every time for the same run.
    const angle = (2 * Math.PI * i) / Math.max(n, 1);
    graph.addNode(x.id, {
      x: Math.cos(angle) * 100, y: Math.sin(angle) * 100,
      size: 3 + 9 * Math.sqrt(x.strength / top),
      label: visible(x.handle || x.id), color: "#b91c1c",
    });
  });
  const heaviest = Math.max(...g.edges.map((e) => e.weight), 1);
  for (const e of g.edges) {
    if (!graph.hasEdge(e.source, e.target)) {
      graph.addEdge(e.source, e.target, { size: 0.5 + 2.5 * (e.weight / heaviest), color: "#9ca3af", weight: e.weight, layers: e.layers });
    }
  }
  if (n > 1) {
    // A budget of work, not of iterations: a Barnes-Hut iteration costs
    // about n log n + m, so large graphs get fewer and the page stays
    // responsive (200 iterations for a farm of 50, about 20 for 2,000
    // accounts with 20,000 edges).
    const cost = n * Math.log2(n + 1) + g.edges.length;
    const iterations = Math.max(5, Math.min(200, Math.round(1e6 / cost)));
    const settings = V.forceAtlas2.inferSettings(graph);
    V.forceAtlas2.assign(graph, { iterations, settings: { ...settings, barnesHutOptimize: n > 500 } });
  }
  const container = document.getElementById("graph");
  ui.graph = graph;
  ui.sigma = new V.Sigma(graph, container, { enableEdgeEvents: true, labelRenderedSizeThreshold: 8, defaultEdgeColor: "#9ca3af" });
  ui.sigma.on("clickNode", ({ node }) => setHash({ account: node }));
  ui.sigma.on("clickEdge", ({ edge }) => setHash({ a: graph.source(edge), b: graph.target(edge) }));
  ui.sigma.on("enterEdge", () => { container.style.cursor = "pointer"; });
  ui.sigma.on("leaveEdge", () => { container.style.cursor = ""; });
  ui.sigma.on("enterNode", () => { container.style.cursor = "pointer"; });
  ui.sigma.on("leaveNode", () => { container.style.cursor = ""; });
  const status = document.getElementById("graph-status");
  const parts = [g.total_nodes > n ? `${n} of ${g.total_nodes} accounts drawn (the strongest)` : `${n} accounts`];
  parts.push(g.edges.length < g.edges_among_nodes ? `${g.edges.length} of ${g.edges_among_nodes} edges between them drawn (the heaviest)` : `${g.edges.length} edges`);
  if (g.edges_among_nodes < g.total_edges) parts.push(`${g.total_edges} in the cluster`);
  status.textContent = parts.join(", ");
  document.getElementById("graph-bar").hidden = false;
  highlight(getHash().account);
}

function highlight(account) {
  if (!ui.graph || !ui.sigma) return;
  ui.graph.forEachNode((node) => ui.graph.setNodeAttribute(node, "color", node === account ? "#1d4ed8" : "#b91c1c"));
  ui.graph.forEachNode((node) => ui.graph.setNodeAttribute(node, "highlighted", node === account));
  ui.sigma.refresh();
}

// Where a node is drawn, in page coordinates (for the browser test).
ui.nodePosition = (node) => {
  const p = ui.sigma.graphToViewport(ui.graph.getNodeAttributes(node));
  const r = document.getElementById("graph").getBoundingClientRect();
  return { x: r.left + p.x, y: r.top + p.y };
};

async function drawTimeline(id) {
  const box = document.getElementById("timeline");
  const t = await api("timeline", { cluster: id });
  if (!t.bins.length) { box.replaceChildren(); return; }
  const NS = "http://www.w3.org/2000/svg";
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const first = t.bins[0][0], last = t.bins[t.bins.length - 1][0];
  const slots = Math.round((last - first) / t.bin_s) + 1;
  const W = 800, H = 120, pad = 20;
  const peak = Math.max(...t.bins.map((b) => b[1]));
  const svg = svgEl("svg", { class: "timeline", viewBox: `0 0 ${W} ${H + pad}`, width: "100%", role: "img" });
  const bw = Math.max((W - 2) / slots, 1);
  for (const [start, count] of t.bins) {
    const x = ((start - first) / t.bin_s) * bw;
    const h = (count / peak) * H;
    const r = svgEl("rect", { x: x.toFixed(1), y: (H - h).toFixed(1), width: Math.max(bw - 0.5, 0.5).toFixed(1), height: h.toFixed(1) });
    const tip = svgEl("title", {});
    tip.textContent = `${new Date(start * 1000).toISOString()}: ${count}`;
    r.append(tip);
    svg.append(r);
  }
  const label = (x, anchor, text) => { const e = svgEl("text", { x, y: H + 14, "text-anchor": anchor }); e.textContent = text; return e; };
  svg.append(label(0, "start", new Date(first * 1000).toISOString().slice(0, 16)), label(W, "end", new Date(last * 1000).toISOString().slice(0, 16)));
  box.replaceChildren(el("h3", {}, `Coordinated actions per ${t.bin_s === 3600 ? "hour" : "day"} (${t.actions}, UTC)`), svg);
}

// ---- the detail panel ----

async function showAccount(id) {
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("p", { className: "hint" }, "loading…"));
  try {
    const [a, partners, items, actions] = await Promise.all([
      api("account", { id }), api("partners", { id, limit: 500 }), api("items", { id, limit: 500 }), api("actions", { id, limit: 500 }),
    ]);
    const cluster = a.account.cluster;
    const parts = [el("h2", {}, "Account ", el("span", { className: "name" }, id))];
    if (cluster && cluster !== ui.cluster) {
      parts.push(el("p", {}, el("button", { type: "button", className: "link", onclick: () => setHash({ cluster, account: id }) }, `show its cluster ${cluster}`)));
    }
    parts.push(kvTable(a.account));
    parts.push(table("Partners", "partners", { id }, partners, { onRow: (row) => setHash({ a: id, b: row[0] }) }));
    parts.push(table("Shared items", "items", { id }, items));
    parts.push(table("Coordinated actions", "actions", { id }, actions));
    detail.replaceChildren(...parts);
  } catch (e) { showError(detail, e); }
}

async function showEdge(a, b) {
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("p", { className: "hint" }, "loading…"));
  try {
    const [edge, evidence] = await Promise.all([api("edge", { a, b }), api("evidence", { a, b, limit: 1000 })]);
    detail.replaceChildren(
      el("h2", {}, "Edge ", accountButton(a), " – ", accountButton(b)),
      kvTable(edge.edge),
      table("Evidence: the pairs of posts", "evidence", { a, b }, evidence),
    );
  } catch (e) { showError(detail, e); }
}

async function showItem(layer, object) {
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("p", { className: "hint" }, "loading…"));
  try {
    const rows = await api("item", { layer, object, limit: 1000 });
    detail.replaceChildren(el("h2", {}, `${layer}: `, el("span", { className: "name" }, object)), table("Pairs on this item", "item", { layer, object }, rows));
  } catch (e) { showError(detail, e); }
}

async function showSearch(q) {
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("p", { className: "hint" }, "searching…"));
  try {
    const r = await api("search", { q, limit: 100 });
    const parts = [el("h2", {}, "Search: ", el("span", { className: "name" }, q))];
    if (r.clusters.length) {
      parts.push(el("p", {}, "cluster ", r.clusters.map((c) => el("button", { type: "button", className: "link", onclick: () => setHash({ cluster: c }) }, c))));
    }
    parts.push(table("Accounts", "search", { q }, r.accounts, { onRow: (row) => setHash(row[2] ? { cluster: row[2], account: row[0] } : { account: row[0] }) }));
    parts.push(table("Items and texts", "search", { q }, r.items));
    // The search answer is not a table endpoint: no CSV link for it.
    for (const a of parts) for (const link of a.querySelectorAll ? a.querySelectorAll("a.csv") : []) link.remove();
    detail.replaceChildren(...parts);
  } catch (e) { showError(detail, e); }
}

// ---- start ----

function start() {
  for (const id of ["f-size", "f-score", "f-layer", "f-sort"]) document.getElementById(id).addEventListener("change", () => loadClusters(false));
  document.getElementById("more").addEventListener("click", () => loadClusters(true));
  document.getElementById("max-nodes").addEventListener("change", () => { if (ui.cluster) drawGraph(ui.cluster); });
  document.getElementById("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = document.getElementById("q").value.trim();
    if (q) setHash({ q });
  });
  window.addEventListener("hashchange", route);
  loadRun()
    .then(() => loadClusters(false))
    .then(route)
    .then(() => setInterval(followRun, FOLLOW_EVERY_MS))
    .catch((e) => showError(document.getElementById("cluster-head"), e));
}

start();
