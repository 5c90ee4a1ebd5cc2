/**
 * The operators' web page at `/-/` (README.md, "Operate"): a static shell with
 * no data in it. Its script asks for an API token, keeps it in the tab's
 * sessionStorage, and calls the bearer-protected JSON API, so the page itself
 * can be served without a token while everything it shows needs one.
 */
export const ADMIN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cds-bitbucket-gateway</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #172b4d; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  nav button, form button, td button { font: inherit; padding: .25rem .7rem; margin-right: .3rem; cursor: pointer; }
  nav button[aria-pressed="true"] { background: #0052cc; color: #fff; border: 1px solid #0052cc; }
  table { border-collapse: collapse; margin-top: 1rem; width: 100%; }
  th, td { border-bottom: 1px solid #dfe1e6; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f5f7; }
  #message { margin-top: .8rem; min-height: 1.2em; color: #bf2600; }
  .empty { color: #6b778c; }
  code { font-size: 12px; }
  td:last-child { white-space: nowrap; }
</style>
</head>
<body>
<h1>cds-bitbucket-gateway</h1>
<form id="login">
  <label>API token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Use token</button>
</form>
<nav id="views" hidden>
  <button data-view="queued">Queued</button>
  <button data-view="dead">Dead letters</button>
  <button data-view="delivered">Delivered</button>
  <button data-view="routes">Routes</button>
  <button data-view="branch-deletions">Branch deletions</button>
  <button id="refresh" type="button">Refresh</button>
  <button id="retry-all" type="button">Retry all queued now</button>
</nav>
<div id="message" role="status"></div>
<table id="table" hidden><thead></thead><tbody></tbody></table>
<script src="/-/admin.js"></script>
</body>
</html>
`;

export const ADMIN_PAGE_SCRIPT = `"use strict";
const $ = (s) => document.querySelector(s);
let view = "queued";
const token = () => sessionStorage.getItem("cds-gateway-token") || "";
const when = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "");
const text = (v) => document.createTextNode(v === undefined || v === null ? "" : String(v));

async function api(method, path) {
  const res = await fetch(path, { method, headers: { authorization: "Bearer " + token() } });
  if (res.status === 401) { $("#views").hidden = true; $("#login").hidden = false; throw new Error("the token was refused"); }
  if (!res.ok && res.status !== 204) {
    const answer = await res.json().catch(() => ({}));
    throw new Error(method + " " + path + ": " + res.status + (answer.message ? " (" + answer.message + ")" : ""));
  }
  return res.status === 204 ? null : res.json();
}

const VIEWS = {
  queued: { path: "/-/deliveries?status=queued", rows: (d) => d.deliveries, columns: ["id", "uuid", "event", "attempts", "nextAttemptAt", "lastError"], actions: ["Retry now", "Delete"] },
  dead: { path: "/-/deliveries?status=dead", rows: (d) => d.deliveries, columns: ["id", "uuid", "event", "attempts", "deadAt", "lastError"], actions: ["Replay", "Delete"] },
  delivered: { path: "/-/deliveries?status=delivered", rows: (d) => d.deliveries, columns: ["id", "uuid", "event", "attempts", "instance", "deliveredAt"], actions: ["Replay"] },
  routes: { path: "/-/routes", rows: (d) => d.routes, columns: ["uuid", "instance", "server", "discoveredAt"], actions: [] },
  "branch-deletions": { path: "/-/branch-deletions", rows: (d) => d.branchDeletions, columns: ["id", "instance", "project", "workflow", "branch", "dueAt"], actions: ["Cancel"] },
};

async function act(action, row) {
  // With the status the row showed: a delivery that has moved on since (delivered by the drain) is not replayed.
  if (action === "Replay" || action === "Retry now") await api("POST", "/-/deliveries/" + encodeURIComponent(row.id) + "/replay?status=" + encodeURIComponent(row.status));
  if (action === "Delete") await api("DELETE", "/-/deliveries/" + encodeURIComponent(row.id));
  if (action === "Cancel") await api("DELETE", "/-/branch-deletions/" + encodeURIComponent(row.id));
  $("#message").textContent = action + " " + row.id + ": done";
  await show(view, true);
}

async function show(name, keepMessage) {
  view = name;
  for (const b of document.querySelectorAll("nav button[data-view]")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  if (!keepMessage) $("#message").textContent = "";
  const spec = VIEWS[name];
  let rows;
  try { rows = spec.rows(await api("GET", spec.path)); } catch (e) { $("#message").textContent = e.message; return; }
  const table = $("#table");
  table.hidden = false;
  const head = document.createElement("tr");
  for (const c of [...spec.columns, ""]) { const th = document.createElement("th"); th.append(text(c)); head.append(th); }
  table.tHead.replaceChildren(head);
  const body = [];
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const c of spec.columns) {
      const td = document.createElement("td");
      td.append(text(/At$/.test(c) ? when(row[c]) : row[c]));
      tr.append(td);
    }
    const td = document.createElement("td");
    for (const a of spec.actions) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = a;
      b.addEventListener("click", () => act(a, row).catch((e) => { $("#message").textContent = e.message; }));
      td.append(b);
    }
    tr.append(td);
    body.push(tr);
  }
  if (body.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = spec.columns.length + 1;
    td.className = "empty";
    td.textContent = "nothing here";
    tr.append(td);
    body.push(tr);
  }
  table.tBodies[0].replaceChildren(...body);
}

$("#login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("cds-gateway-token", $("#token").value);
  $("#token").value = "";
  $("#login").hidden = true;
  $("#views").hidden = false;
  show(view);
});
for (const b of document.querySelectorAll("nav button[data-view]")) b.addEventListener("click", () => show(b.dataset.view));
$("#refresh").addEventListener("click", () => show(view));
$("#retry-all").addEventListener("click", async () => {
  try {
    const answer = await api("POST", "/-/deliveries/retry-queued");
    $("#message").textContent = answer.due + " queued delivery(ies) due now";
    await show(view, true);
  } catch (e) { $("#message").textContent = e.message; }
});
if (token()) { $("#login").hidden = true; $("#views").hidden = false; show(view); }
`;
