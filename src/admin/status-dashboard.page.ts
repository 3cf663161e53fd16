/**
 * The dashboard: one self-contained page (no build step, no external assets) that shows the
 * live log as a timeline per agent. Entry text is only ever set through `textContent`, so
 * whatever an agent posts is shown as text and never run. The token is asked for on the page
 * and kept in the tab's sessionStorage; it travels in the Authorization header.
 */
export function renderStatusDashboard(basePath: string): string {
  const base = JSON.stringify(`/${basePath}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status bus</title>
<style>
  :root { --ok:#1a7f37; --failed:#cf222e; --pending:#9a6700; --info:#0969da; --completed:#8250df; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; }
  header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; background: #fff; border-bottom: 1px solid #d0d7de; position: sticky; top: 0; }
  h1 { font-size: 16px; margin: 0 12px 0 0; }
  label { display: inline-flex; gap: 4px; align-items: center; }
  input[type=text], input[type=password] { padding: 4px 6px; border: 1px solid #d0d7de; border-radius: 6px; }
  #connection { margin-left: auto; font-size: 12px; color: #57606a; }
  #connection.live::before { content: "● "; color: var(--ok); }
  #login { display: none; padding: 24px 16px; }
  #login.shown { display: block; }
  #lanes { display: grid; grid-auto-flow: column; grid-auto-columns: minmax(260px, 1fr); gap: 12px; padding: 12px 16px; overflow-x: auto; align-items: start; }
  .lane { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; min-height: 120px; }
  .lane h2 { font-size: 14px; margin: 0; padding: 8px 10px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; border-radius: 8px 8px 0 0; }
  .lane ol { list-style: none; margin: 0; padding: 6px; max-height: calc(100vh - 150px); overflow-y: auto; }
  .entry { border-left: 4px solid #8c959f; background: #fff; padding: 6px 8px; margin: 4px 0; border-radius: 4px; box-shadow: 0 1px 0 #d0d7de; }
  .entry .meta { display: flex; gap: 6px; font-size: 12px; color: #57606a; }
  .entry .status { font-weight: 600; text-transform: uppercase; font-size: 11px; }
  .entry .room { margin-left: auto; }
  .receipt { font-size: 12px; color: #57606a; margin-top: 2px; }
  .receipt.failed, .receipt.expired, .receipt.dropped { color: var(--failed); }
  .entry .action { font-weight: 600; word-break: break-word; }
  .entry .detail { white-space: pre-wrap; word-break: break-word; }
  .entry.ok { border-color: var(--ok); } .entry.ok .status { color: var(--ok); }
  .entry.failed { border-color: var(--failed); background: #fff5f5; } .entry.failed .status { color: var(--failed); }
  .entry.pending { border-color: var(--pending); } .entry.pending .status { color: var(--pending); }
  .entry.info { border-color: var(--info); } .entry.info .status { color: var(--info); }
  .entry.completed { border-color: var(--completed); background: #fbf7ff; } .entry.completed .status { color: var(--completed); }
  .hidden { display: none; }
  #empty { padding: 24px 16px; color: #57606a; }
  #now { display: flex; flex-wrap: wrap; gap: 8px; padding: 12px 16px 0; }
  .agent-now { background: #fff; border: 1px solid #d0d7de; border-left-width: 4px; border-radius: 6px; padding: 6px 10px; min-width: 180px; }
  .agent-now .who { font-weight: 600; }
  .agent-now .what { font-size: 12px; color: #57606a; }
  .agent-now.ok { border-left-color: var(--ok); } .agent-now.failed { border-left-color: var(--failed); }
  .agent-now.pending { border-left-color: var(--pending); } .agent-now.info { border-left-color: var(--info); }
  .agent-now.completed { border-left-color: var(--completed); }
</style>
</head>
<body>
<header>
  <h1>Status bus</h1>
  <label>Room <input id="room-filter" type="text" placeholder="all" size="10"></label>
  <label>Agent <input id="agent-filter" type="text" placeholder="all" size="10"></label>
  <span id="status-filters">
    <label><input type="checkbox" value="ok" checked> ok</label>
    <label><input type="checkbox" value="failed" checked> failed</label>
    <label><input type="checkbox" value="pending" checked> pending</label>
    <label><input type="checkbox" value="info" checked> info</label>
    <label><input type="checkbox" value="completed" checked> completed</label>
  </span>
  <span id="connection">connecting…</span>
</header>
<form id="login">
  <p>This dashboard needs the admin token.</p>
  <label>Token <input id="token" type="password" autocomplete="off"></label>
  <button type="submit">Connect</button>
</form>
<section id="now" aria-label="What every agent is doing now"></section>
<p id="empty">No entries yet.</p>
<main id="lanes"></main>
<script>
(() => {
  const BASE = ${base};
  const lanes = new Map();
  const seen = new Set();
  let lastSeq = 0;
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem('status-bus-token') || '';
  const headers = () => (token() ? { Authorization: 'Bearer ' + token() } : {});
  const setConnection = (text, live) => { $('connection').textContent = text; $('connection').className = live ? 'live' : ''; };

  function lane(agent) {
    if (!lanes.has(agent)) {
      const section = document.createElement('section');
      section.className = 'lane';
      section.dataset.agent = agent;
      const title = document.createElement('h2');
      title.textContent = agent;
      const list = document.createElement('ol');
      section.append(title, list);
      $('lanes').append(section);
      lanes.set(agent, { section, list });
    }
    return lanes.get(agent);
  }

  function visible(entry) {
    const room = $('room-filter').value.trim();
    const agent = $('agent-filter').value.trim();
    const statuses = [...document.querySelectorAll('#status-filters input:checked')].map((i) => i.value);
    return (!room || entry.room_id === room) && (!agent || entry.agent_id === agent) && statuses.includes(entry.status);
  }

  const pendingReceipts = new Map();
  /** A voice receipt is shown under the entry it answers, not as an entry of its own. */
  function showReceipt(entry) {
    const target = document.querySelector('.entry[data-seq="' + Number(entry.metadata.receipt_for) + '"]');
    if (!target) {
      const waiting = pendingReceipts.get(entry.metadata.receipt_for) || [];
      waiting.push(entry);
      pendingReceipts.set(entry.metadata.receipt_for, waiting);
      return;
    }
    const line = document.createElement('div');
    line.className = 'receipt ' + String(entry.metadata.outcome);
    line.textContent = '\u21b3 voice: ' + String(entry.metadata.outcome) +
      (entry.metadata.session_id ? ' \u2192 ' + String(entry.metadata.session_id) : '');
    target.append(line);
  }

  function show(entry) {
    if (seen.has(entry.seq)) return;
    seen.add(entry.seq);
    lastSeq = Math.max(lastSeq, entry.seq);
    if (entry.metadata && entry.metadata.receipt_for !== undefined && entry.metadata.receipt_for !== null) {
      showReceipt(entry);
      return;
    }
    const item = document.createElement('li');
    item.className = 'entry ' + entry.status;
    item.dataset.seq = entry.seq;
    item.dataset.agent = entry.agent_id;
    item.dataset.status = entry.status;
    item.dataset.room = entry.room_id;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const time = document.createElement('span');
    time.textContent = String(entry.ts).slice(11, 19);
    const status = document.createElement('span');
    status.className = 'status';
    status.textContent = entry.status;
    const seq = document.createElement('span');
    seq.textContent = '#' + entry.seq;
    const room = document.createElement('span');
    room.className = 'room';
    room.textContent = entry.room_id;
    meta.append(time, status, seq, room);
    const action = document.createElement('div');
    action.className = 'action';
    action.textContent = entry.action;
    item.append(meta, action);
    if (entry.detail) {
      const detail = document.createElement('div');
      detail.className = 'detail';
      detail.textContent = entry.detail;
      item.append(detail);
    }
    item.classList.toggle('hidden', !visible(entry));
    lane(entry.agent_id).list.prepend(item);
    (pendingReceipts.get(entry.seq) || []).forEach(showReceipt);
    pendingReceipts.delete(entry.seq);
    showNow({ agent_id: entry.agent_id, room_id: entry.room_id, status: entry.status, action: entry.action, since: entry.ts, seq: entry.seq });
    $('empty').classList.add('hidden');
  }

  const now = new Map();
  function showNow(state) {
    const key = state.room_id + '\u0000' + state.agent_id;
    const current = now.get(key);
    if (current && Number(current.dataset.seq) >= state.seq) return;
    const card = current || document.createElement('div');
    card.className = 'agent-now ' + state.status;
    card.dataset.seq = state.seq;
    card.dataset.agent = state.agent_id;
    card.dataset.room = state.room_id;
    const who = document.createElement('div');
    who.className = 'who';
    who.textContent = state.agent_id + (state.room_id === 'default' ? '' : ' · ' + state.room_id);
    const what = document.createElement('div');
    what.className = 'what';
    what.textContent = state.status + ' · ' + state.action + ' · since ' + String(state.since).slice(11, 19);
    card.replaceChildren(who, what);
    if (!current) { now.set(key, card); $('now').append(card); }
  }

  function refilter() {
    document.querySelectorAll('.entry').forEach((item) => {
      item.classList.toggle('hidden', !visible({ agent_id: item.dataset.agent, status: item.dataset.status, room_id: item.dataset.room }));
    });
  }
  $('agent-filter').addEventListener('input', refilter);
  $('room-filter').addEventListener('input', refilter);
  document.querySelectorAll('#status-filters input').forEach((i) => i.addEventListener('change', refilter));

  function needToken() {
    $('login').classList.add('shown');
    setConnection('token needed', false);
  }
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('status-bus-token', $('token').value);
    $('login').classList.remove('shown');
    start();
  });

  async function loadRecent() {
    const response = await fetch(BASE + '/recent?n=200', { headers: headers() });
    if (response.status === 401) { needToken(); return false; }
    (await response.json()).forEach(show);
    const snapshot = await fetch(BASE + '/snapshot', { headers: headers() });
    if (snapshot.ok) (await snapshot.json()).forEach(showNow);
    return true;
  }

  async function follow() {
    let retry = 500;
    for (;;) {
      try {
        const response = await fetch(BASE + '/stream', { headers: { ...headers(), 'Last-Event-ID': String(lastSeq) } });
        if (response.status === 401) { needToken(); return; }
        if (response.status === 410) {
          // Entries since our position are gone from the store: take the current state, go on
          // from what it keeps.
          const gone = await response.json();
          gone.snapshot.forEach(showNow);
          lastSeq = gone.oldest_seq - 1;
          continue;
        }
        setConnection('live', true);
        retry = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\\n\\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\\n');
            if (data) show(JSON.parse(data));
          }
        }
      } catch (err) { /* reconnect below */ }
      setConnection('reconnecting…', false);
      await new Promise((r) => setTimeout(r, retry));
      retry = Math.min(retry * 2, 10000);
    }
  }

  async function start() {
    setConnection('connecting…', false);
    if (await loadRecent()) follow();
  }
  start();
})();
</script>
</body>
</html>`;
}
