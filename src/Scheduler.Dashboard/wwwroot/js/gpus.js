// GPU utilization: per-node heat map, allocation ratio over time (uPlot), MFU per running job and per GPU type.
import { getJson } from './api.js';
import { escape, num, pct, jobLink, bigNum } from './format.js';

let chart = null;
let windowHours = 1;

export async function render(main, _params, signal, first) {
  const data = await getJson(`/api/v1/dashboard/cluster?hours=${windowHours}`, signal);
  if (first || !main.querySelector('#heat')) {
    chart?.destroy();
    chart = null;
    main.innerHTML = `<h2>GPU utilization</h2>
      <div class="grid">
        <section class="panel" aria-labelledby="h-types"><h3 id="h-types">By GPU type</h3><div id="types"></div></section>
        <section class="panel" aria-labelledby="h-chart"><h3 id="h-chart">Allocation ratio over time</h3>
          <label>Window <select id="window">
            <option value="1">last hour</option><option value="24">last day</option></select></label>
          <div id="chart" class="chart" role="img" aria-label="Allocated GPUs as a share of capacity over time"></div></section>
      </div>
      <section class="panel" aria-labelledby="h-heat" style="margin-top:16px"><h3 id="h-heat">GPUs by node</h3>
        <ul class="legend" aria-label="Legend"><li><i style="background:var(--free)"></i>free</li>
          <li><i style="background:var(--whole)"></i>allocated whole</li><li><i style="background:var(--fraction)"></i>allocated fraction</li></ul>
        <div id="heat" class="heat"></div></section>
      <section class="panel" aria-labelledby="h-mfu" style="margin-top:16px"><h3 id="h-mfu">Measured efficiency (trainer telemetry)</h3>
        <div id="mfu"></div></section>`;
    const select = main.querySelector('#window');
    select.value = String(windowHours);
    select.addEventListener('change', () => { windowHours = Number(select.value); render(main, [], undefined, true); });
  }
  main.querySelector('#types').innerHTML = typesTable(data.byType);
  main.querySelector('#heat').innerHTML = heatMap(data.nodes) || '<p class="muted">No GPU nodes.</p>';
  main.querySelector('#mfu').innerHTML = mfuTables(data);
  drawChart(main.querySelector('#chart'), data.history);
}

function typesTable(types) {
  return `<table><thead><tr><th scope="col">GPU type</th><th scope="col">Allocated</th><th scope="col">Capacity</th><th scope="col">Ratio</th></tr></thead>
    <tbody>${types.map(t => `<tr><td>${escape(t.gpuType)}</td><td>${num(t.allocated, 2)}</td><td>${num(t.capacity, 0)}</td>
      <td>${pct(t.capacity ? t.allocated / t.capacity : 0)}</td></tr>`).join('')}</tbody></table>`;
}

// Grouped by interconnect domain (block, then rack) when any node's labels name one; a flat list otherwise.
function heatMap(nodes) {
  if (!nodes.some(n => n.domains && (n.domains.rack || n.domains.block))) return nodes.map(node).join('');
  const groups = new Map();
  for (const n of nodes) {
    const d = n.domains || {};
    const key = [d.block ? `block ${d.block}` : '', d.rack ? `rack ${d.rack}` : ''].filter(Boolean).join(' · ') || 'no rack or block label';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(n);
  }
  return [...groups.keys()].sort().map(key => {
    const members = groups.get(key);
    const gpus = members.reduce((sum, n) => sum + n.gpus.length, 0);
    const used = members.reduce((sum, n) => sum + n.gpus.reduce((s, g) => s + g.allocatedMilli, 0), 0) / 1000;
    return `<section class="domain" data-domain="${escape(key)}" aria-label="${escape(key)}">
      <h4>${escape(key)} <span class="muted">· ${members.length} node${members.length === 1 ? '' : 's'} · ${num(used, 2)}/${gpus} GPUs allocated</span></h4>
      <div class="heat">${members.map(node).join('')}</div></section>`;
  }).join('');
}

function node(n) {
  const used = n.gpus.reduce((sum, g) => sum + g.allocatedMilli, 0) / 1000;
  const status = !n.ready ? 'not ready' : !n.schedulable ? 'cordoned' : '';
  return `<div class="node ${status ? 'down' : ''}" data-node="${escape(n.name)}">
    <div><strong>${escape(n.name)}</strong><br><span class="muted">${escape(n.gpuType)} · ${num(used, 2)}/${n.gpus.length}${status ? ` · ${status}` : ''}</span></div>
    <div class="gpus" role="list" aria-label="${escape(`${n.name} GPUs`)}">${n.gpus.map(gpu).join('')}</div>
  </div>`;
}

function gpu(g) {
  const jobs = (g.jobs || []).map(j => j.name).join(', ');
  const kind = g.allocatedMilli >= 1000 ? 'whole' : g.allocatedMilli > 0 ? 'fraction' : 'free';
  const label = `GPU ${g.index}: ${kind === 'free' ? 'free' : `${g.allocatedMilli / 10}% allocated to ${jobs}`}`;
  return `<span role="listitem" class="gpu ${kind}" data-state="${kind}" style="--fill:${g.allocatedMilli / 10}%" title="${escape(label)}" aria-label="${escape(label)}"></span>`;
}

function mfuTables(data) {
  const running = data.running || [];
  const byType = data.mfuByType || [];
  return `<div class="grid">
    <div class="table-wrap"><table><caption class="muted" style="text-align:left">Running jobs</caption>
      <thead><tr><th scope="col">Job</th><th scope="col">GPUs</th><th scope="col">tokens/s</th><th scope="col">TFLOP/s</th><th scope="col">MFU</th></tr></thead>
      <tbody>${running.map(j => `<tr><td>${jobLink(j)}</td><td>${num(j.gpus, 0)} × ${escape(j.gpuType)}</td><td>${bigNum(j.tokensPerSecond)}</td>
        <td>${num(j.achievedTflops)}</td><td>${pct(j.mfu)}</td></tr>`).join('') || '<tr><td colspan="5" class="muted">No running jobs.</td></tr>'}</tbody></table></div>
    <div class="table-wrap"><table><caption class="muted" style="text-align:left">Per GPU type</caption>
      <thead><tr><th scope="col">GPU type</th><th scope="col">Jobs</th><th scope="col">Mean MFU</th></tr></thead>
      <tbody>${byType.map(t => `<tr><td>${escape(t.gpuType)}</td><td>${num(t.jobs, 0)}</td><td>${pct(t.mfu)}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">No telemetry yet.</td></tr>'}</tbody></table></div>
  </div>`;
}

function drawChart(target, history) {
  const xs = history.map(p => new Date(p.time).getTime() / 1000);
  const ys = history.map(p => p.allocationRatio * 100);
  if (typeof uPlot === 'undefined') { target.textContent = 'Chart library not loaded.'; return; }
  const width = Math.max(280, target.clientWidth || 400);
  if (!chart) {
    chart = new uPlot({
      width, height: 220,
      scales: { y: { range: [0, 100] } },
      series: [{}, { label: 'allocated %', stroke: '#1d4ed8', fill: 'rgba(29,78,216,.12)', width: 2 }],
      axes: [{}, { values: (_u, ticks) => ticks.map(t => `${t}%`) }],
    }, [xs, ys], target);
  } else {
    chart.setData([xs, ys]);
  }
}
