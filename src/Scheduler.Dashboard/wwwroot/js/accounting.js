// Accounting: GPU-hours per team over time (uPlot), per queue, top users, and the estimator's accuracy per team.
// Reads GET /api/v1/accounting/usage (by team, queue, user) and /api/v1/accounting/jobs; in private mode the server
// answers only the caller's teams. These reads span weeks of history, so the page re-reads them at most once a minute.
import { getJson } from './api.js';
import { escape, num, pct } from './format.js';

const RELOAD_MS = 60_000;
const TOP_USERS = 10;
const COLOURS = ['#1d4ed8', '#b45309', '#047857', '#9d174d', '#6d28d9', '#0e7490', '#4d7c0f', '#be123c'];
let chart = null;
let period = 'day';
let loadedAt = 0;

export async function render(main, _params, signal, first) {
  if (!first && main.querySelector('#acct-teams') && Date.now() - loadedAt < RELOAD_MS) return;
  const [teams, queues, users, jobs] = await Promise.all([
    getJson(`/api/v1/accounting/usage?by=team&period=${period}`, signal),
    getJson(`/api/v1/accounting/usage?by=queue&period=${period}`, signal),
    getJson(`/api/v1/accounting/usage?by=user&period=${period}`, signal),
    getJson('/api/v1/accounting/jobs?limit=1000', signal),
  ]);
  loadedAt = Date.now();
  if (first || !main.querySelector('#acct-teams')) {
    chart?.destroy();
    chart = null;
    main.innerHTML = `<h2>Accounting</h2>
      <p class="muted" id="acct-window"></p>
      <section class="panel" aria-labelledby="h-acct-chart"><h3 id="h-acct-chart">GPU-hours per team</h3>
        <label>Period <select id="acct-period">
          <option value="day">day</option><option value="week">week</option><option value="month">month</option></select></label>
        <div id="acct-chart" class="chart" role="img" aria-label="GPU-hours per team and period"></div></section>
      <div class="grid" style="margin-top:16px">
        <section class="panel" aria-labelledby="h-acct-teams"><h3 id="h-acct-teams">By team</h3><div id="acct-teams" class="table-wrap"></div></section>
        <section class="panel" aria-labelledby="h-acct-queues"><h3 id="h-acct-queues">By queue</h3><div id="acct-queues" class="table-wrap"></div></section>
        <section class="panel" aria-labelledby="h-acct-users"><h3 id="h-acct-users">Top users</h3><div id="acct-users" class="table-wrap"></div></section>
        <section class="panel" aria-labelledby="h-acct-accuracy"><h3 id="h-acct-accuracy">Estimator accuracy per team (ended jobs with telemetry)</h3>
          <div id="acct-accuracy" class="table-wrap"></div></section>
      </div>`;
    const select = main.querySelector('#acct-period');
    select.value = period;
    select.addEventListener('change', () => { period = select.value; render(main, [], undefined, true); });
  }
  main.querySelector('#acct-window').textContent =
    `From ${isoDay(teams.from)} to ${isoDay(teams.to)} (UTC): placed time × GPUs of every attempt.`;
  main.querySelector('#acct-teams').innerHTML = totalsTable('Team', 'team', totals(teams.rows));
  main.querySelector('#acct-queues').innerHTML = totalsTable('Queue', 'queue', totals(queues.rows));
  main.querySelector('#acct-users').innerHTML = totalsTable('User', 'user', totals(users.rows).slice(0, TOP_USERS));
  main.querySelector('#acct-accuracy').innerHTML = accuracyTable(jobs.items);
  drawChart(main.querySelector('#acct-chart'), teams);
}

function isoDay(value) {
  return new Date(value).toISOString().slice(0, 10);
}

// GPU-hours per group over the window, largest first, with the GPU types that made them.
function totals(rows) {
  const groups = new Map();
  for (const r of rows) {
    const g = groups.get(r.group) || { group: r.group, gpuHours: 0, types: new Map() };
    g.gpuHours += r.gpuHours;
    g.types.set(r.gpuType, (g.types.get(r.gpuType) || 0) + r.gpuHours);
    groups.set(r.group, g);
  }
  return [...groups.values()].sort((a, b) => b.gpuHours - a.gpuHours || a.group.localeCompare(b.group));
}

function totalsTable(label, kind, rows) {
  const body = rows.map(r => `<tr data-${kind}="${escape(r.group)}"><td>${escape(r.group)}</td>
      <td class="gpu-hours">${num(r.gpuHours, 2)}</td>
      <td>${[...r.types].map(([type, hours]) => `${escape(type)}: ${num(hours, 2)}`).join(', ')}</td></tr>`).join('');
  return `<table><thead><tr><th scope="col">${label}</th><th scope="col">GPU-hours</th><th scope="col">By GPU type</th></tr></thead>
    <tbody>${body || '<tr><td colspan="3" class="muted">No usage in this window.</td></tr>'}</tbody></table>`;
}

// Predicted vs measured GPU-hours of the ended jobs that reported telemetry, summed per team.
function accuracyTable(items) {
  const teams = new Map();
  for (const j of items) {
    if (!j.endedAt || j.predictedGpuHours == null || j.measuredGpuHours == null) continue;
    const key = j.team || '(no team)';
    const t = teams.get(key) || { team: key, jobs: 0, predicted: 0, measured: 0 };
    t.jobs += 1;
    t.predicted += j.predictedGpuHours;
    t.measured += j.measuredGpuHours;
    teams.set(key, t);
  }
  const rows = [...teams.values()].sort((a, b) => a.team.localeCompare(b.team));
  const body = rows.map(t => `<tr data-team="${escape(t.team)}"><td>${escape(t.team)}</td><td>${num(t.jobs, 0)}</td>
      <td>${num(t.predicted, 2)}</td><td>${num(t.measured, 2)}</td><td class="error-ratio">${t.predicted > 0 ? pct((t.measured - t.predicted) / t.predicted) : '—'}</td></tr>`).join('');
  return `<table><thead><tr><th scope="col">Team</th><th scope="col">Jobs</th><th scope="col">Predicted GPU-h</th><th scope="col">Measured GPU-h</th>
      <th scope="col">Error</th></tr></thead>
    <tbody>${body || '<tr><td colspan="5" class="muted">No ended job with telemetry in this window.</td></tr>'}</tbody></table>`;
}

function drawChart(target, report) {
  if (typeof uPlot === 'undefined') { target.textContent = 'Chart library not loaded.'; return; }
  const rows = report.rows;
  const periods = [...new Set(rows.map(r => r.periodStart))].sort();
  const teams = [...new Set(rows.map(r => r.group))].sort();
  const xs = periods.map(p => new Date(p).getTime() / 1000);
  const series = teams.map(team => periods.map(p => rows.filter(r => r.group === team && r.periodStart === p).reduce((s, r) => s + r.gpuHours, 0)));
  chart?.destroy();
  chart = null;
  if (periods.length === 0) { target.textContent = 'No usage in this window.'; return; }
  target.textContent = '';
  // The x axis spans the report's window, so one period does not stretch over years.
  const span = [new Date(report.from).getTime() / 1000, new Date(report.to).getTime() / 1000];
  chart = new uPlot({
    width: Math.max(280, target.clientWidth || 600), height: 240,
    scales: { x: { time: true, range: () => span }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    series: [{}, ...teams.map((team, i) => ({ label: team, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: true, size: 7 } }))],
    axes: [{}, { size: 70, values: (_u, ticks) => ticks.map(t => `${num(t, 2)} h`) }],
  }, [xs, ...series], target);
}
