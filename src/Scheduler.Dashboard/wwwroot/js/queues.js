// Queues: quota bars per GPU type, budget, and the pending list in scheduling order with reasons.
import { getJson } from './api.js';
import { escape, num, time, jobLink, duration } from './format.js';

export async function render(main, _params, signal) {
  const data = await getJson('/api/v1/dashboard/queues', signal);
  if (!data.queues.length) {
    main.innerHTML = `<h2>Queues</h2><p class="muted">No queues yet. Create one with <code>PUT /api/v1/queues/{name}</code>.</p>`;
    return;
  }
  main.innerHTML = `<h2>Queues</h2>
    <ul class="legend" aria-label="Legend">
      <li><i style="background:var(--whole)"></i>used within nominal</li>
      <li><i style="background:var(--borrowed)"></i>borrowed from the cohort</li>
      <li><i style="background:var(--free)"></i>free quota</li>
      <li><i style="background:#111827;width:3px"></i>nominal quota</li>
    </ul>
    <div class="grid">${data.queues.map(queueCard).join('')}</div>`;
}

function queueCard(queue) {
  const counts = queue.counts || {};
  return `<section class="panel" aria-labelledby="q-${escape(queue.name)}" data-queue="${escape(queue.name)}">
    <h3 id="q-${escape(queue.name)}">${escape(queue.name)}</h3>
    <div class="meta">
      <span>cohort: ${escape(queue.cohort || '—')}</span>
      <span>pending: <strong data-testid="pending-count">${num(counts.queued ?? queue.pending.length, 0)}</strong></span>
      <span>admitted: ${num(counts.admitted, 0)}</span>
      <span>running: ${num(counts.running, 0)}</span>
    </div>
    ${queue.quota.map(quotaBar).join('')}
    ${budget(queue.budget)}
    ${pendingTable(queue.pending)}
  </section>`;
}

function quotaBar(q) {
  const limit = Math.max(q.nominal + (q.borrowingLimit ?? Math.max(q.borrowed, 0)), q.used, 1);
  const inNominal = Math.min(q.used, q.nominal);
  const borrowed = Math.max(q.used - q.nominal, 0);
  const label = `${q.gpuType}: ${num(q.used)} of ${q.nominal} nominal GPUs used, ${num(borrowed)} borrowed, ${num(q.lendable)} lendable`;
  return `<div class="bar-row">
    <span>${escape(q.gpuType)}</span>
    <div class="bar" role="img" aria-label="${escape(label)}">
      <span class="used" style="left:0;width:${(100 * inNominal) / limit}%"></span>
      <span class="borrowed" style="left:${(100 * inNominal) / limit}%;width:${(100 * borrowed) / limit}%"></span>
      <span class="nominal-mark" style="left:${Math.min(99.5, (100 * q.nominal) / limit)}%"></span>
    </div>
    <span>${num(q.used)} / ${num(q.nominal, 0)}${borrowed ? ` (+${num(borrowed)})` : ''} · lends ${num(q.lendable)}</span>
  </div>`;
}

function budget(b) {
  if (!b) return '';
  const share = b.gpuHours > 0 ? Math.min(1, b.usedGpuHours / b.gpuHours) : 0;
  return `<div class="bar-row">
    <span>budget/${escape(b.period)}</span>
    <div class="bar" role="img" aria-label="${escape(`GPU-hour budget: ${num(b.usedGpuHours)} of ${num(b.gpuHours)} used this ${b.period}`)}">
      <span class="used" style="left:0;width:${share * 100}%;background:${share > 0.9 ? 'var(--bad)' : 'var(--ok)'}"></span>
    </div>
    <span>${num(b.usedGpuHours)} / ${num(b.gpuHours)} GPU-h</span>
  </div>`;
}

function pendingTable(pending) {
  if (!pending.length) return '<p class="muted">Nothing pending.</p>';
  return `<div class="table-wrap"><table class="stack">
    <caption class="muted" style="text-align:left">Pending jobs in scheduling order</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Job</th><th scope="col">GPUs</th><th scope="col">Reason</th>
      <th scope="col">Predicted start</th><th scope="col">GPU-hours</th></tr></thead>
    <tbody>${pending.map(p => `<tr data-job="${escape(p.name)}">
      <td data-label="#">${num(p.position, 0)}</td>
      <td data-label="Job"><span>${jobLink(p)} <span class="muted">${escape(p.priorityClass || '')}</span></span></td>
      <td data-label="GPUs">${num(p.gpus)} × ${escape(p.gpuType)}</td>
      <td data-label="Reason" class="reason">${escape(p.reason || 'waiting for the next scheduling cycle')}</td>
      <td data-label="Predicted start">${p.predictedStart ? time(p.predictedStart) : '—'}</td>
      <td data-label="GPU-hours"><span>${num(p.predictedGpuHours)}${p.predictedWallHours ? ` <span class="muted">(${duration(p.predictedWallHours)})</span>` : ''}</span></td>
    </tr>`).join('')}</tbody>
  </table></div>`;
}
