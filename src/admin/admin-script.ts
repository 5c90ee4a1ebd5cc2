/**
 * The script of the operators' console (admin-page.ts), served as
 * `/-/admin.js` under `script-src 'self'`. Everything it shows comes from
 * the JSON API and goes into the page as text (textContent, text nodes,
 * attributes): never as HTML. Times are counted from the gateway's `now`,
 * so a browser whose clock is off still reads "in 40 s" right.
 */
export const ADMIN_PAGE_SCRIPT = String.raw`"use strict";
const $ = (selector) => document.querySelector(selector);
const TOKEN_KEY = "cds-gateway-token";
const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
const SVG = "http://www.w3.org/2000/svg";
const COLORS = { forwarded: "#1d7afc", queued: "#d9a400", delivered: "#22a06b", dead: "#c9372c", duplicate: "#8590a2", rejected: "#f87168" };
const STATES = { queued: "Queued", dead: "Dead letter", delivered: "Delivered", forwarded: "Forwarded" };
const PHRASES = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 407: "Proxy Authentication Required",
  408: "Request Timeout", 413: "Content Too Large", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** Larger bodies are shown cut, as sent: laying out megabytes of JSON would stall the tab. */
const MAX_SHOWN = 1024 * 1024;
let skew = 0;
let view = "queued";
let next;
let paged = false;
let busy = false;

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child === undefined || child === null ? "" : String(child)));
  return node;
}

function say(text, ok) {
  $("#message").textContent = text || "";
  $("#message").className = ok ? "ok" : "";
}

async function api(method, path) {
  const res = await fetch(path, { method, headers: { authorization: "Bearer " + token() } });
  if (res.status === 401) {
    showLogin();
    throw new Error("the token was refused");
  }
  if (!res.ok && res.status !== 204) {
    const answer = await res.json().catch(() => ({}));
    throw new Error(method + " " + path + ": " + res.status + (answer.message ? " (" + answer.message + ")" : ""));
  }
  const body = res.status === 204 ? null : await res.json();
  if (body && typeof body.now === "number") skew = body.now - Date.now();
  return body;
}

const serverNow = () => Date.now() + skew;

function span(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return s + " s";
  const m = Math.round(s / 60);
  if (m < 60) return m + " min";
  const h = Math.round(m / 60);
  return h < 48 ? h + " h" : Math.round(h / 24) + " d";
}

/** A <time> reading "3 min ago" or "in 40 s", the exact time on hover. */
function when(ms, future) {
  if (!ms) return "—";
  const d = new Date(ms);
  const delta = ms - serverNow();
  const text = future ? (delta <= 1000 ? "due now" : "in " + span(delta)) : Math.abs(delta) < 5000 ? "just now" : delta < 0 ? span(delta) + " ago" : "in " + span(delta);
  return el("time", { datetime: d.toISOString(), title: d.toLocaleString() + " · " + d.toISOString() }, text);
}

function duration(ms) {
  return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
}

function size(bytes) {
  return bytes < 1024 ? bytes + " bytes" : (bytes / 1024).toFixed(1) + " KiB (" + bytes + " bytes)";
}

/** The gateway's error texts, said in words: "alpha: HTTP 503" → "alpha: answered 503 Service Unavailable". */
function words(error) {
  if (!error) return "";
  return String(error)
    .split("; ")
    .map((part) => part
      .replace(/HTTP (\d{3})/g, (all, code) => "answered " + code + (PHRASES[code] ? " " + PHRASES[code] : ""))
      .replace(/timeout after (\d+) ms/, (all, ms) => "no answer within " + Number(ms) / 1000 + " s")
      .replace(/: connection failed$/, ": could not connect"))
    .join("; ");
}

function badge(kind, text, title) {
  return el("span", { class: "badge " + kind, title }, text);
}

// ---- instance health and Bitbucket servers ----

function renderOverview(data) {
  const cards = data.instances.map((i) => {
    const health = !i.reachable ? "down" : i.lastAnswerAt || i.lastAccepted ? "up" : "idle";
    const label = health === "down" ? "Unreachable" : health === "up" ? "Reachable" : "No traffic yet";
    return el("article", { class: "card", "data-instance": i.name, "data-health": health, "data-reachable": String(i.reachable) },
      el("h3", {}, el("span", {}, i.name), badge(health, label)),
      el("p", {}, "Last accepted: ", i.lastAccepted ? when(i.lastAccepted.at) : "none yet", i.lastAccepted ? " · HTTP " + i.lastAccepted.status : ""),
      el("p", {}, "Last failure: ", i.lastFailure ? when(i.lastFailure.at) : "none", i.lastFailure ? " · " + words(i.lastFailure.error) : ""),
      figures(i.queued, i.dead, i.name));
  });
  const u = data.unrouted;
  if (u.queued || u.dead) {
    cards.push(el("article", { class: "card", "data-instance": "", "data-health": "idle" },
      el("h3", {}, el("span", {}, "No single instance"), badge("idle", "not routed")),
      el("p", {}, "Waiting on several instances, on none known yet, or on one no longer configured."),
      figures(u.queued, u.dead, "")));
  }
  $("#instances").replaceChildren(...cards);
  $("#counts-note").textContent = data.counts.error ? "counts: " + data.counts.error : data.counts.complete ? "" : "counts stop at " + data.counts.limit;
  const servers = data.servers.map((s) => {
    const c = s.lastCall;
    const failed = c && (c.error || c.status >= 300);
    return el("article", { class: "card", "data-server": s.name, "data-health": c ? (failed ? "down" : "up") : "idle" },
      el("h3", {}, el("span", {}, s.name), c ? badge(failed ? "down" : "up", c.error ? c.error : "HTTP " + c.status) : badge("idle", "no call yet")),
      c ? el("p", {}, c.kind === "comment" ? "Comment" : "Build status", " · ", when(c.at)) : el("p", {}, "No build status or comment since this process started."),
      c ? el("p", { class: "mono" }, c.method + " " + c.path) : "");
  });
  $("#servers").replaceChildren(...(servers.length ? servers : [el("p", { class: "note" }, "No Bitbucket server is configured.")]));
  const select = $("#filter-instance");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "any"), ...data.instances.map((i) => el("option", { value: i.name }, i.name)));
  select.value = chosen;
}

function figures(queued, dead, instance) {
  const link = (count, label, target) => {
    const a = el("a", { href: "#", "data-count": target }, el("b", {}, count === null ? "?" : String(count)), " " + label);
    a.addEventListener("click", (e) => {
      e.preventDefault();
      $("#filter-instance").value = instance;
      location.hash = "";
      show(target);
    });
    return a;
  };
  return el("p", { class: "figures" }, link(queued, "queued", "queued"), " · ", link(dead, "dead", "dead"));
}

// ---- outcomes per minute ----

function renderActivity(data) {
  const total = (m) => data.kinds.reduce((sum, k) => sum + m[k], 0);
  const max = Math.max(1, ...data.minutes.map(total));
  const width = 600 / data.minutes.length;
  const bars = data.minutes.map((m, i) => {
    const g = document.createElementNS(SVG, "g");
    const title = document.createElementNS(SVG, "title");
    const parts = data.kinds.filter((k) => m[k] > 0).map((k) => m[k] + " " + k);
    title.textContent = new Date(m.at).toLocaleTimeString() + ": " + (parts.length ? parts.join(", ") : "nothing");
    g.append(title);
    let y = 100;
    for (const k of data.kinds) {
      if (!m[k]) continue;
      const h = (m[k] / max) * 96;
      y -= h;
      const rect = document.createElementNS(SVG, "rect");
      for (const [name, value] of [["x", i * width + 0.6], ["y", y], ["width", Math.max(width - 1.2, 1)], ["height", h], ["fill", COLORS[k]], ["data-kind", k]]) rect.setAttribute(name, String(value));
      g.append(rect);
    }
    const hit = document.createElementNS(SVG, "rect");
    for (const [name, value] of [["x", i * width], ["y", 0], ["width", width], ["height", 100], ["fill", "transparent"]]) hit.setAttribute(name, String(value));
    g.append(hit);
    return g;
  });
  const base = document.createElementNS(SVG, "line");
  for (const [name, value] of [["x1", 0], ["x2", 600], ["y1", 99.5], ["y2", 99.5], ["stroke", "#c1c7d0"], ["stroke-width", 1]]) base.setAttribute(name, String(value));
  $("#chart").replaceChildren(base, ...bars);
  $("#legend").replaceChildren(...data.kinds.map((k) => {
    const swatch = el("i");
    swatch.style.background = COLORS[k];
    return el("li", { "data-kind": k }, swatch, k + " " + data.minutes.reduce((sum, m) => sum + m[k], 0));
  }));
}

// ---- lists ----

const DELIVERY_COLUMNS = [
  ["Received", (d) => when(d.receivedAt)],
  ["Server", (d) => d.server],
  ["Repository", (d) => d.repository || "—"],
  ["Event", (d) => d.event || "—"],
  ["CDS instance", (d) => d.instance || "—"],
  ["State", (d) => stateBadge(d)],
  ["Attempts", (d) => (d.status === "forwarded" ? "1" : String(d.attempts))],
  ["Next attempt", (d) => (d.status === "queued" ? when(d.nextAttemptAt, true) : "—")],
  ["Last error", (d) => words(d.lastError) || "—", "error"],
];

function stateBadge(d) {
  if (d.status === "forwarded") return badge("forwarded", "Forwarded · direct", "CDS took it at once (HTTP " + d.responseStatus + " after " + duration(d.durationMs) + "). Not stored: this process's recent forwards only.");
  const at = d.status === "delivered" ? d.deliveredAt : d.status === "dead" ? d.deadAt : undefined;
  return badge(d.status, STATES[d.status], at ? STATES[d.status] + " " + new Date(at).toLocaleString() : undefined);
}

const DELIVERY_ACTIONS = { queued: ["Details", "Retry now", "Delete"], dead: ["Details", "Replay", "Delete"], delivered: ["Details", "Replay"], forwarded: [] };
const VIEWS = {
  queued: { note: "Waiting for a CDS instance, oldest first." },
  dead: { note: "Given up: after 24 h, or when no instance knows the webhook. Replay puts one back in the queue." },
  delivered: { note: "Delivered from the queue, kept 7 days; oldest first." },
  forwarded: { note: "Taken by CDS at once. Not stored: the last 200 of this process, newest first, lost on restart." },
  routes: {
    path: () => "/-/routes", rows: (d) => d.routes, note: "Which CDS instance owns each webhook UUID.",
    columns: [["Webhook UUID", (r) => r.uuid, "mono"], ["CDS instance", (r) => r.instance], ["Bitbucket server", (r) => r.server || "—"], ["Discovered", (r) => when(r.discoveredAt)]], actions: [],
  },
  "branch-deletions": {
    path: () => "/-/branch-deletions", rows: (d) => d.branchDeletions, note: "Runs of deleted branches, removed from CDS when due.",
    columns: [["CDS instance", (r) => r.instance], ["Project", (r) => r.project], ["Workflow", (r) => r.workflow], ["Branch", (r) => r.branch, "mono"],
      ["Deleted", (r) => when(r.deletedAt)], ["Due", (r) => when(r.nextAttemptAt || r.dueAt, true)], ["Attempts", (r) => String(r.attempts)], ["Last error", (r) => r.lastError || "—", "error"]],
    actions: ["Cancel"],
  },
};
const isDeliveries = (name) => name in DELIVERY_ACTIONS;

function deliveriesPath(after) {
  const q = new URLSearchParams({ status: view, limit: "100" });
  if ($("#filter-instance").value) q.set("instance", $("#filter-instance").value);
  if ($("#filter-repository").value.trim()) q.set("repository", $("#filter-repository").value.trim());
  if (after) q.set("after", after);
  return "/-/deliveries?" + q;
}

async function act(action, row) {
  const id = encodeURIComponent(row.id);
  // With the status the row showed: a delivery that has moved on since (delivered by the drain) is not replayed.
  if (action === "Replay" || action === "Retry now") await api("POST", "/-/deliveries/" + id + "/replay?status=" + encodeURIComponent(row.status));
  if (action === "Delete") await api("DELETE", "/-/deliveries/" + id);
  if (action === "Cancel") await api("DELETE", "/-/branch-deletions/" + id);
  say(action + " " + row.id + ": done" + (action === "Replay" || action === "Retry now" ? " (queued, due now)" : ""), true);
}

function actionCell(actions, row, after) {
  const td = el("td", { class: "actions" });
  for (const action of actions) {
    if (action === "Details") {
      td.append(el("a", { href: "#delivery=" + encodeURIComponent(row.id) }, "Details"));
      continue;
    }
    const b = el("button", { type: "button", class: action === "Delete" || action === "Cancel" ? "danger" : undefined }, action);
    b.addEventListener("click", () => act(action, row).then(after).catch((e) => say(e.message)));
    td.append(b);
  }
  return td;
}

function rowsOf(columns, actions, rows, after) {
  return rows.map((row) => {
    const tr = el("tr", { "data-id": row.id || row.uuid, "data-status": row.status });
    for (const [title, cell, cls] of columns) tr.append(el("td", { "data-label": title, class: cls }, cell(row)));
    if (actions.length) tr.append(actionCell(actions, row, after));
    return tr;
  });
}

async function show(name, more) {
  if (name !== view || !more) paged = false;
  view = name;
  for (const b of document.querySelectorAll("nav#views button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  const deliveries = isDeliveries(name);
  $("#filters").hidden = !deliveries;
  $("#retry-all").hidden = name !== "queued";
  const spec = VIEWS[name];
  $("#view-note").textContent = spec.note;
  const columns = deliveries ? DELIVERY_COLUMNS : spec.columns;
  const actions = deliveries ? DELIVERY_ACTIONS[name] : spec.actions;
  let data;
  try {
    data = await api("GET", deliveries ? deliveriesPath(more ? next : undefined) : spec.path());
  } catch (e) {
    say(e.message);
    return;
  }
  if (view !== name) return;
  const rows = deliveries ? data.deliveries : spec.rows(data);
  next = deliveries ? data.next : undefined;
  $("#more").hidden = !next;
  const table = $("#table");
  table.tHead.replaceChildren(el("tr", {}, ...columns.map(([title]) => el("th", {}, title)), ...(actions.length ? [el("th", {}, "")] : [])));
  const body = rowsOf(columns, actions, rows, () => refresh());
  if (more) {
    paged = true;
    table.tBodies[0].append(...body);
    return;
  }
  if (body.length === 0) body.push(el("tr", {}, el("td", { class: "empty", colspan: columns.length + 1 }, "Nothing here.")));
  table.tBodies[0].replaceChildren(...body);
}

// ---- one delivery ----

async function showDetail(id) {
  const d = await api("GET", "/-/deliveries/" + encodeURIComponent(id));
  $("#detail-id").textContent = d.id;
  const fields = [
    ["State", stateBadge(d)],
    ["Received", when(d.receivedAt)],
    ["Bitbucket server", d.server],
    ["Repository", d.repository || "—"],
    ["Event", d.event || "—"],
    ["Webhook UUID", el("span", { class: "mono" }, d.uuid)],
    ["CDS instance", d.instance || "—"],
    ["Attempts", String(d.attempts)],
  ];
  // An attempt whose answer is awaited past forwardTimeout (issue #12): nothing else sends it meanwhile.
  if (d.status === "queued" && d.inFlightUntil > serverNow()) {
    fields.push(["Attempt in flight", el("span", { "data-field": "in-flight" }, "started ", when(d.inFlightSince), ", CDS's answer awaited; due again ", when(d.inFlightUntil, true), " if none comes")]);
  } else if (d.status === "queued") fields.push(["Next attempt", when(d.nextAttemptAt, true)]);
  if (d.status === "delivered") fields.push(["Delivered", when(d.deliveredAt)], ["CDS answered", "HTTP " + d.responseStatus]);
  if (d.status === "dead") fields.push(["Dead since", when(d.deadAt)]);
  if (d.lastError) fields.push(["Last error", words(d.lastError)]);
  fields.push(["Signature", d.verified ? "verified (X-Hub-Signature matched)" : "not checked"]);
  if (d.requestId) fields.push(["X-Request-Id", el("span", { class: "mono" }, d.requestId)]);
  $("#detail-fields").replaceChildren(...fields.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));

  const actions = d.status === "queued" ? ["Retry now", "Delete"] : d.status === "dead" ? ["Replay", "Delete"] : ["Replay", "Delete"];
  $("#detail-actions").replaceChildren(...actions.map((action) => {
    const b = el("button", { type: "button", class: action === "Delete" ? "danger" : "primary" }, action);
    b.addEventListener("click", () =>
      act(action, d)
        .then(() => (action === "Delete" ? (location.hash = "") : refresh()))
        .catch((e) => say(e.message)));
    return b;
  }));

  const history = d.history || [];
  $("#attempts-note").textContent = history.length < d.attempts ? "the last " + history.length + " of " + d.attempts : "";
  const answer = (a) =>
    a.outcome === "accepted" ? "taken: HTTP " + a.status
    : a.outcome === "unknown" ? words(a.error) || "no instance knows this webhook"
    : words(a.error);
  const attemptColumns = [["Time", (a) => when(a.at)], ["CDS instance", (a) => a.instance || "—"], ["Answer", answer, "error"], ["Duration", (a) => duration(a.ms)]];
  $("#attempts").tHead.replaceChildren(el("tr", {}, ...attemptColumns.map(([t]) => el("th", {}, t))));
  const attemptRows = history.slice().reverse().map((a) => el("tr", { "data-outcome": a.outcome }, ...attemptColumns.map(([t, f, c]) => el("td", { "data-label": t, class: a.outcome === "accepted" && c === "error" ? undefined : c }, f(a)))));
  $("#attempts").tBodies[0].replaceChildren(...(attemptRows.length ? attemptRows : [el("tr", {}, el("td", { class: "empty", colspan: 4 }, d.attempts === 0 ? "No attempt has ended yet." : "Not recorded: stored by an earlier version."))]));

  $("#headers").tHead.replaceChildren(el("tr", {}, el("th", {}, "Name"), el("th", {}, "Value")));
  $("#headers").tBodies[0].replaceChildren(...Object.entries(d.headers).map(([name, value]) =>
    el("tr", { "data-header": name }, el("td", { "data-label": "Name", class: "mono" }, name), el("td", { "data-label": "Value", class: "mono" + (value.includes("[masked]") ? " masked" : "") }, value))));

  let body = d.body;
  const cut = body.length > MAX_SHOWN;
  if (cut) body = body.slice(0, MAX_SHOWN);
  else if (d.bodyEncoding === "utf-8") {
    try {
      body = JSON.stringify(JSON.parse(d.body), null, 2);
    } catch {
      body = d.body;
    }
  }
  $("#body-size").textContent = size(d.bodyBytes) + (d.bodyEncoding === "base64" ? ", not UTF-8: shown in base64" : "") + (cut ? ", the first " + size(MAX_SHOWN) + " shown as sent" : "");
  $("#body").textContent = body;
}

// ---- page ----

const detailId = () => (location.hash.startsWith("#delivery=") ? decodeURIComponent(location.hash.slice("#delivery=".length)) : undefined);

async function refresh() {
  if (busy || !token()) return;
  busy = true;
  try {
    const [overview, activity] = await Promise.all([api("GET", "/-/instances"), api("GET", "/-/activity")]);
    renderOverview(overview);
    renderActivity(activity);
    const id = detailId();
    $("#list").hidden = id !== undefined;
    $("#detail").hidden = id === undefined;
    if (id !== undefined) await showDetail(id);
    else if (!paged) await show(view);
  } catch (e) {
    say(e.message);
  } finally {
    busy = false;
  }
}

function showLogin() {
  $("#console").hidden = true;
  $("#controls").hidden = true;
  $("#login-panel").hidden = false;
}

function showConsole() {
  $("#login-panel").hidden = true;
  $("#console").hidden = false;
  $("#controls").hidden = false;
  say("");
  refresh();
}

$("#login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("#token").value);
  $("#token").value = "";
  showConsole();
});
$("#sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
});
for (const b of document.querySelectorAll("nav#views button")) b.addEventListener("click", () => { say(""); show(b.dataset.view); });
$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  show(view);
});
$("#filter-instance").addEventListener("change", () => show(view));
$("#more").addEventListener("click", () => show(view, true));
$("#refresh").addEventListener("click", () => { say(""); refresh(); });
$("#retry-all").addEventListener("click", async () => {
  try {
    const answer = await api("POST", "/-/deliveries/retry-queued");
    say(answer.due + " queued delivery(ies) due now", true);
    await show(view);
  } catch (e) {
    say(e.message);
  }
});
$("#back").addEventListener("click", (e) => {
  e.preventDefault();
  location.hash = "";
});
window.addEventListener("hashchange", () => { say(""); refresh(); });
setInterval(() => {
  if ($("#auto").checked && !document.hidden && !$("#console").hidden) refresh();
}, 5000);
for (const b of document.querySelectorAll("nav#views button")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
if (token()) showConsole();
`;
