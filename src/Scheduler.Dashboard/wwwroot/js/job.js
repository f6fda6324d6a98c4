// Job detail: the estimate beside measured values, progress and ETA, the event timeline, pods and nodes, the spec.
import { getJson, send } from './api.js';
import { escape, num, pct, time, state, bigNum, duration } from './format.js';

// Array task, dependencies and singleton, as meta items; dependencies link to the jobs they name (an array id opens nothing).
function control(job) {
  const items = [];
  if (job.arrayId) {
    items.push(`<span data-testid="array">task ${num(job.arrayIndex, 0)} of array ${escape(job.arrayId)}` +
      ` (${num(job.spec.array.count, 0)} tasks, ${num(job.spec.array.parallelism, 0)} at once)</span>`);
  }
  for (const dep of job.spec.dependencies || []) {
    items.push(`<span data-testid="dependency">${escape(dep.type)} <a href="#/jobs/${encodeURIComponent(dep.job)}">${escape(dep.job)}</a></span>`);
  }
  if (job.spec.singleton) {
    items.push('<span>singleton</span>');
  }
  return items.join('');
}

export async function render(main, params, signal) {
  const d = await getJson(`/api/v1/dashboard/jobs/${encodeURIComponent(params[0])}`, signal);
  const job = d.job;
  const e = d.estimate || {};
  const m = d.measured || {};
  const mem = e.memoryPerGpuGiB || {};
  const progress = d.progress || {};
  main.innerHTML = `<h2>${escape(job.name)} ${state(job.state)}</h2>
    <div class="meta"><span>queue ${escape(job.queue)}</span><span>priority ${escape(job.priorityClass)}</span>
      <span>${num(job.spec.resources.gpus, 0)} × ${escape(job.spec.resources.gpuType)}</span><span>attempt ${num(job.attempt, 0)}</span>
      <span>submitted ${time(job.createdAt)}</span>${control(job)}</div>
    ${controls(job)}
    ${d.pendingReason ? `<p class="panel" role="status"><strong>Pending:</strong> <span class="reason">${escape(d.pendingReason)}</span></p>` : ''}
    ${endPanel(job, mem, m)}
    <div id="advice-slot"></div>
    <div class="grid">
      <section class="panel" aria-labelledby="h-progress"><h3 id="h-progress">Progress</h3>
        <div class="progress" role="progressbar" aria-label="Training progress" aria-valuemin="0" aria-valuemax="100"
          aria-valuenow="${Math.round((progress.fraction || 0) * 100)}"><span style="width:${(progress.fraction || 0) * 100}%"></span></div>
        <dl class="kv" style="margin-top:10px">
          <dt>step</dt><dd data-testid="step">${num(m.step, 0)} of ${num(progress.totalSteps, 0)}</dd>
          <dt>loss</dt><dd>${num(m.loss, 4)}</dd>
          <dt>last checkpoint</dt><dd>${m.lastCheckpointStep !== undefined && m.lastCheckpointStep !== null ? `step ${num(m.lastCheckpointStep, 0)}` : '—'}</dd>
          <dt>ETA</dt><dd data-testid="eta">${progress.eta ? time(progress.eta) : '—'}</dd>
        </dl></section>
      <section class="panel" aria-labelledby="h-compare"><h3 id="h-compare">Predicted vs measured</h3>
        <table class="compare"><thead><tr><th scope="col"></th><th scope="col">Predicted</th><th scope="col">Measured</th></tr></thead><tbody>
          <tr><th scope="row">GPU-hours</th><td data-testid="predicted-gpu-hours">${num(e.gpuHours)}</td><td>${num(m.gpuHoursSoFar, 3)} so far</td></tr>
          <tr><th scope="row">Peak memory / GPU (GiB)</th><td>${num(mem.total)}</td><td>${num(m.peakMemoryGiB)}</td></tr>
          <tr><th scope="row">MFU</th><td>${pct(e.mfu)} <span class="muted">${escape(e.mfuSource || '')}</span></td><td>${pct(m.mfu)}</td></tr>
          <tr><th scope="row">tokens/s</th><td>${bigNum(e.tokensPerSecond)}</td><td data-testid="measured-tokens-per-second">${bigNum(m.tokensPerSecond)}</td></tr>
          <tr><th scope="row">Wall time</th><td>${duration(e.wallHours)}${e.interconnect ? `<br><span class="muted" data-testid="interconnect">${escape(e.interconnect)}</span>` : ''}</td><td>${duration(m.wallHoursSoFar)}</td></tr>
        </tbody></table></section>
      <section class="panel" aria-labelledby="h-memory"><h3 id="h-memory">Estimated memory per GPU</h3>
        <dl class="kv">${['weights', 'gradients', 'optimizer', 'activations', 'overhead', 'total']
          .map(k => `<dt>${k}</dt><dd>${num(mem[k], 2)} GiB</dd>`).join('')}
          <dt>GPU memory</dt><dd>${num(e.gpuMemoryGiB, 0)} GiB</dd>
          <dt>parameters</dt><dd>${bigNum(e.parameters)}</dd></dl></section>
      <section class="panel" aria-labelledby="h-pods"><h3 id="h-pods">Pods and nodes</h3>
        ${(d.pods || []).length ? `<table><thead><tr><th scope="col">Pod</th><th scope="col">Node</th><th scope="col">GPUs</th><th scope="col">Phase</th></tr></thead>
          <tbody>${d.pods.map(p => `<tr><td>${escape(p.name)}</td><td>${escape(p.node)}</td><td>${escape((p.gpus || []).join(', '))}</td><td>${escape(p.phase || '')}</td></tr>`).join('')}</tbody></table>`
          : '<p class="muted">No pods.</p>'}</section>
    </div>
    <section class="panel" aria-labelledby="h-events" style="margin-top:16px"><h3 id="h-events">Timeline</h3>
      <ol class="timeline" data-testid="timeline">${(d.events || []).map(ev => `<li><strong>${escape(ev.to)}</strong>
        <span class="muted">${time(ev.time)}</span><br>${escape(ev.reason || '')}</li>`).join('')}</ol></section>
    ${(job.spec.notify || []).length ? `<section class="panel" aria-labelledby="h-notify" style="margin-top:16px"><h3 id="h-notify">Notifications</h3>
      <div data-testid="notifications" class="muted">Loading…</div></section>` : ''}
    <div id="log-slot"></div>
    <details class="panel" style="margin-top:16px"><summary>Spec</summary><pre>${escape(JSON.stringify(job.spec, null, 2))}</pre></details>`;
  main.querySelectorAll('[data-control]').forEach(button => button.addEventListener('click', async () => {
    const message = main.querySelector('[data-testid="control-message"]');
    button.disabled = true;
    try {
      await send('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/${button.dataset.control}`);
      await render(main, params, signal);
    } catch (error) {
      message.textContent = error.message;
      button.disabled = false;
    }
  }));
  main.querySelector('#log-slot').replaceWith(logViewer(job.id));
  const deliveries = main.querySelector('[data-testid="notifications"]');
  if (deliveries) notifications(deliveries, job.id, signal);
  advice(main.querySelector('#advice-slot'), job, signal);
}

// "This job could run N% cheaper with …": the layout advisor's cheapest layout (GET /api/v1/jobs/{id}/advice, docs/api.md),
// shown for a queued or running job when the API offers it (≥ 10% fewer GPU-hours). The search costs CPU on the server,
// so it is asked once per job version and state, not on every 3-second refresh.
let adviceCache = null;

async function advice(slot, job, signal) {
  if (['Succeeded', 'Failed', 'Cancelled'].includes(job.state)) return;
  const key = `${job.id}/${job.version}/${job.state}`;
  try {
    if (adviceCache?.key !== key) {
      adviceCache = { key, data: await getJson(`/api/v1/jobs/${encodeURIComponent(job.id)}/advice`, signal) };
    }
  } catch (error) {
    return; // Advice is optional: the page stands without it, and the next refresh asks again.
  }
  const a = adviceCache.data;
  if (!slot.isConnected) return;
  if (!a.offered) { slot.dataset.advice = 'none'; return; }
  const changes = Object.entries(a.cheaper.changes || {});
  slot.outerHTML = `<section class="panel" role="note" aria-labelledby="h-advice" data-testid="advice" style="margin-bottom:16px">
    <h3 id="h-advice">This job could run ${Math.round(a.saving * 100)}% cheaper</h3>
    <p>with <strong data-testid="advice-layout">${escape(a.cheaper.description)}</strong>: ${num(a.cheaper.gpuHours)} instead of
      ${num(a.submitted.gpuHours)} GPU-hours (${escape(a.cheaper.saving)}), ${num(a.cheaper.memoryPerGpuGiB, 1)} GiB per GPU.</p>
    <p class="muted">${escape(a.reason)}</p>
    ${changes.length ? `<p>Changes to the spec:</p><ul data-testid="advice-changes">${changes
      .map(([path, value]) => `<li><code>${escape(path)}</code>: ${escape(value)}</li>`).join('')}</ul>` : ''}
  </section>`;
}

// The job's webhook deliveries (GET /api/v1/jobs/{id}/notifications, docs/api.md "Notifications"): one line each.
async function notifications(slot, jobId, signal) {
  try {
    const rows = await getJson(`/api/v1/jobs/${encodeURIComponent(jobId)}/notifications`, signal);
    slot.classList.remove('muted');
    slot.innerHTML = rows.length ? `<ul>${rows.map(n => `<li><strong>${escape(n.event)}</strong> → ${escape(n.url)}:
      ${escape(n.status)} after ${num(n.attempts, 0)} attempt(s)${n.lastStatus ? `, last answer ${num(n.lastStatus, 0)}` : ''}${n.lastError ? ` <span class="reason">${escape(n.lastError)}</span>` : ''}${n.nextAttemptAt ? `, next try ${time(n.nextAttemptAt)}` : ''}</li>`).join('')}</ul>`
      : 'None sent yet.';
  } catch (error) {
    if (error.name !== 'AbortError') slot.textContent = error.message;
  }
}

// Hold, release and requeue (scontrol's), offered where the job's state allows them; the server checks who may.
function controls(job) {
  const buttons = [];
  if (job.state === 'Queued') buttons.push(job.heldBy ? ['release', 'Release'] : ['hold', 'Hold']);
  if (job.state === 'Admitted' || job.state === 'Running') buttons.push(['requeue', 'Requeue']);
  if (!buttons.length) return '';
  return `<div class="controls" role="group" aria-label="Job controls">${buttons
    .map(([c, label]) => `<button type="button" data-control="${c}">${label}</button>`).join(' ')}
    <span class="muted" role="alert" data-testid="control-message"></span></div>`;
}

// The log panel outlives the page's 3-second re-render (the same element is put back each time), so a follow keeps
// streaming; it reads GET /api/v1/jobs/{id}/logs (docs/api.md "Logs") and keeps at most MAX_LOG_CHARS on screen.
const MAX_LOG_CHARS = 1 << 20;
let viewer = null;

window.addEventListener('hashchange', () => {
  if (viewer && !location.hash.startsWith(`#/jobs/${viewer.jobId}`)) { viewer.controller?.abort(); viewer = null; }
});

function logViewer(jobId) {
  if (viewer?.jobId === jobId) return viewer.el;
  viewer?.controller?.abort();
  const el = document.createElement('section');
  el.className = 'panel';
  el.style.marginTop = '16px';
  el.setAttribute('aria-labelledby', 'h-logs');
  el.innerHTML = `<h3 id="h-logs">Log</h3>
    <form class="log-controls" data-testid="log-form">
      <label>rank <input type="number" min="0" value="0" name="rank" data-testid="log-rank" style="width:5em"></label>
      <label>attempt <input type="number" min="1" name="attempt" placeholder="current" data-testid="log-attempt" style="width:6em"></label>
      <label><input type="checkbox" name="follow" data-testid="log-follow"> follow</label>
      <button type="submit" data-testid="log-load">Show log</button></form>
    <p class="muted" role="status" data-testid="log-status"></p>
    <pre class="log" data-testid="log" style="max-height:420px;overflow:auto"></pre>`;
  const state = { jobId, el, controller: null };
  const form = el.querySelector('form');
  form.addEventListener('submit', (event) => { event.preventDefault(); load(state, form); });
  viewer = state;
  load(state, form);
  return el;
}

async function load(state, form) {
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  const pre = state.el.querySelector('pre');
  const status = state.el.querySelector('[data-testid="log-status"]');
  const follow = form.follow.checked;
  const query = new URLSearchParams({ rank: form.rank.value || '0', tailLines: '500' });
  if (form.attempt.value) query.set('attempt', form.attempt.value);
  if (follow) query.set('follow', 'true');
  pre.textContent = '';
  status.textContent = 'Loading…';
  try {
    const response = await fetch(`/api/v1/jobs/${encodeURIComponent(state.jobId)}/logs?${query}`, { signal: controller.signal });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
      status.textContent = detail;
      return;
    }
    status.textContent = `${response.headers.get('X-Pod') || ''}${follow ? ' (following)' : ''}`;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent = (pre.textContent + decoder.decode(value, { stream: true })).slice(-MAX_LOG_CHARS);
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
    if (follow && state.controller === controller) status.textContent = `${response.headers.get('X-Pod') || ''} (ended)`;
  } catch (error) {
    if (error.name !== 'AbortError') status.textContent = `Could not read the log: ${error.message}`;
  }
}

// Why the job ended (or was last requeued by a pod outcome): the reason's code (OOMKilled, Evicted, ImagePullBackOff, …)
// apart from its words; an OOMKilled job shows its measured peak beside the prediction (docs/kubernetes.md "Why a job ended").
function endPanel(job, mem, m) {
  const ended = ['Succeeded', 'Failed', 'Cancelled'].includes(job.state);
  const match = /^([A-Z][A-Za-z0-9]*)(?::\s*(.*))?$/s.exec(job.reason || '');
  if (!ended && !(match && match[2])) return '';
  const code = match ? match[1] : job.state;
  const words = match ? (match[2] || '') : job.reason;
  const oom = code === 'OOMKilled'
    ? `<br><span data-testid="oom-memory">predicted ${num(mem.total)} GiB per GPU; measured peak ${m.peakMemoryGiB !== undefined && m.peakMemoryGiB !== null ? `${num(m.peakMemoryGiB)} GiB` : 'unknown (no telemetry)'}</span>`
    : '';
  return `<p class="panel" role="status" data-testid="end-reason"><strong>${ended ? 'Ended' : 'Last requeue'}:</strong>
    <code class="reason-code">${escape(code)}</code> <span class="reason">${escape(words)}</span>${oom}</p>`;
}
