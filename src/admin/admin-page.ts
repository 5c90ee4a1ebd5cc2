/**
 * The operators' console at `/-/` (README.md, "Operate"; issue #16): a
 * static shell with no data in it. Its script (admin-script.ts) asks for an
 * API token, keeps it in the tab's sessionStorage, and calls the
 * bearer-protected JSON API, so the page itself can be served without a
 * token while everything it shows needs one. Layout for desktop and phone
 * widths (one column under 760 px, table rows as cards).
 */
export const ADMIN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cds-bitbucket-gateway · console</title>
<style>
  :root { --ink: #172b4d; --muted: #5e6c84; --line: #dfe1e6; --panel: #f7f8fa; --ok: #216e4e; --ok-bg: #dcfff1; --bad: #ae2a19; --bad-bg: #ffeceb;
    --wait: #7f5f01; --wait-bg: #fff7d6; --info: #0055cc; --info-bg: #e9f2ff; --idle: #44546f; --idle-bg: #f1f2f4; }
  * { box-sizing: border-box; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--ink); background: #fff; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .8rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1 1 auto; }
  header h1 small { font-weight: 400; color: var(--muted); }
  .controls { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
  main, #login-panel { padding: 1rem 1.5rem 2rem; max-width: 1400px; }
  h2 { font-size: 1rem; margin: 1.2rem 0 .5rem; }
  h2 small, .note { font-weight: 400; color: var(--muted); font-size: 12px; }
  button, select, input { font: inherit; }
  button { padding: .3rem .75rem; border: 1px solid #b3b9c4; border-radius: 4px; background: #fff; color: var(--ink); cursor: pointer; }
  button:hover { background: var(--idle-bg); }
  button.primary { background: var(--info); border-color: var(--info); color: #fff; }
  button.danger { color: var(--bad); border-color: #f87168; }
  input, select { padding: .3rem .5rem; border: 1px solid #b3b9c4; border-radius: 4px; background: #fff; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: .75rem; }
  .card { border: 1px solid var(--line); border-left: 5px solid var(--idle); border-radius: 6px; padding: .6rem .8rem; background: #fff; }
  .card[data-health="up"] { border-left-color: var(--ok); }
  .card[data-health="down"] { border-left-color: var(--bad); background: var(--bad-bg); }
  .card h3 { margin: 0 0 .3rem; font-size: .95rem; display: flex; justify-content: space-between; gap: .5rem; align-items: baseline; }
  .card p { margin: .15rem 0; color: var(--muted); overflow-wrap: anywhere; }
  .card .figures { color: var(--ink); margin-top: .4rem; }
  .card .figures b { font-size: 1.05rem; }
  .badge { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: 12px; font-weight: 600; white-space: nowrap; background: var(--idle-bg); color: var(--idle); }
  .badge.up, .badge.delivered { background: var(--ok-bg); color: var(--ok); }
  .badge.down, .badge.dead { background: var(--bad-bg); color: var(--bad); }
  .badge.queued { background: var(--wait-bg); color: var(--wait); }
  .badge.forwarded { background: var(--info-bg); color: var(--info); }
  #activity { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
  #chart { display: block; width: 100%; height: 110px; }
  .axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; }
  #legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; margin: .4rem 0 0; padding: 0; font-size: 12px; }
  #legend i { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
  nav#views { display: flex; flex-wrap: wrap; gap: .3rem; margin: 1.2rem 0 .6rem; }
  nav#views button[aria-pressed="true"] { background: var(--ink); border-color: var(--ink); color: #fff; }
  #filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .4rem; }
  #filters label { color: var(--muted); font-size: 12px; display: flex; gap: .3rem; align-items: center; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: top; }
  th { background: var(--panel); font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
  td.actions { white-space: nowrap; text-align: right; }
  td.actions button, td.actions a { margin-left: .25rem; }
  td.actions button { padding: .15rem .5rem; font-size: 13px; }
  td.error { color: var(--bad); min-width: 11rem; max-width: 28rem; overflow-wrap: anywhere; }
  .scroll { overflow-x: auto; }
  td.mono, .mono { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
  time { border-bottom: 1px dotted #8590a2; cursor: help; white-space: nowrap; }
  a { color: var(--info); }
  #message { min-height: 1.4em; margin: .5rem 1.5rem 0; color: var(--bad); }
  #message.ok { color: var(--ok); }
  #message:empty { display: none; }
  .empty { color: var(--muted); text-align: center; padding: 1.2rem; }
  #more { margin-top: .6rem; }
  #detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: .5rem 0 1rem; }
  #detail dt { color: var(--muted); }
  #detail dd { margin: 0; overflow-wrap: anywhere; }
  #detail .buttons { display: flex; gap: .5rem; margin: .5rem 0 1rem; }
  #body { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .7rem; max-height: 32rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
  .masked { color: var(--muted); font-style: italic; }
  @media (max-width: 760px) {
    header, main, #login-panel { padding-left: .8rem; padding-right: .8rem; }
    #message { margin-left: .8rem; margin-right: .8rem; }
    .cards { grid-template-columns: 1fr; }
    table.log thead { display: none; }
    table.log, table.log tbody, table.log tr, table.log td { display: block; width: 100%; }
    table.log tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .6rem; padding: .3rem .5rem; }
    table.log td { border: 0; padding: .15rem 0; display: flex; gap: .8rem; justify-content: space-between; text-align: right; }
    table.log td::before { content: attr(data-label); color: var(--muted); font-size: 12px; text-align: left; flex: 0 0 auto; }
    table.log td.actions { justify-content: flex-end; padding-top: .35rem; }
    table.log td.actions::before { content: none; }
    table.log td.error { max-width: none; }
    table.log td.empty { display: block; text-align: center; }
    table.log td.empty::before { content: none; }
    #detail dl { grid-template-columns: 1fr; gap: 0; }
    #detail dd { margin-bottom: .4rem; }
  }
</style>
</head>
<body>
<header>
  <h1>cds-bitbucket-gateway <small>operator's console</small></h1>
  <div class="controls" id="controls" hidden>
    <label class="note"><input type="checkbox" id="auto" checked> refresh every 5 s</label>
    <button id="refresh" type="button">Refresh</button>
    <button id="sign-out" type="button">Forget token</button>
  </div>
</header>
<div id="login-panel">
  <form id="login">
    <label>API token <input id="token" type="password" autocomplete="off" required></label>
    <button type="submit" class="primary">Use token</button>
  </form>
</div>
<div id="message" role="status"></div>
<main id="console" hidden>
  <section aria-labelledby="instances-title">
    <h2 id="instances-title">CDS instances <small id="counts-note"></small></h2>
    <div class="cards" id="instances"></div>
    <h2>Bitbucket servers <small>last build status or comment this process sent</small></h2>
    <div class="cards" id="servers"></div>
  </section>
  <section aria-labelledby="activity-title">
    <h2 id="activity-title">Last hour <small>outcomes per minute, this process</small></h2>
    <div id="activity">
      <svg id="chart" viewBox="0 0 600 100" preserveAspectRatio="none" role="img" aria-label="Outcomes per minute over the last hour"></svg>
      <div class="axis"><span>60 min ago</span><span>30 min ago</span><span>now</span></div>
      <ul id="legend"></ul>
    </div>
  </section>
  <section id="list">
    <nav id="views" aria-label="Views">
      <button type="button" data-view="queued">Queued</button>
      <button type="button" data-view="dead">Dead letters</button>
      <button type="button" data-view="delivered">Delivered</button>
      <button type="button" data-view="forwarded">Forwarded (recent)</button>
      <button type="button" data-view="routes">Routes</button>
      <button type="button" data-view="branch-deletions">Branch deletions</button>
    </nav>
    <form id="filters">
      <label>CDS instance <select id="filter-instance"><option value="">any</option></select></label>
      <label>Repository <input id="filter-repository" placeholder="PROJECT/slug" size="18"></label>
      <button type="submit">Filter</button>
      <button type="button" id="retry-all">Retry all queued now</button>
    </form>
    <p class="note" id="view-note"></p>
    <div class="scroll"><table id="table" class="log"><thead></thead><tbody></tbody></table></div>
    <button id="more" type="button" hidden>Show more</button>
  </section>
  <section id="detail" hidden>
    <p><a href="#" id="back">← Back to the list</a></p>
    <h2>Delivery <span class="mono" id="detail-id"></span></h2>
    <dl id="detail-fields"></dl>
    <div class="buttons" id="detail-actions"></div>
    <h2>Attempts <small id="attempts-note"></small></h2>
    <table id="attempts" class="log"><thead></thead><tbody></tbody></table>
    <h2>Headers <small>as forwarded to CDS; signatures and credentials masked</small></h2>
    <table id="headers" class="log"><thead></thead><tbody></tbody></table>
    <h2>Body <small id="body-size"></small></h2>
    <pre id="body" class="mono"></pre>
  </section>
</main>
<script src="/-/admin.js"></script>
</body>
</html>
`;
