// Recent jobs across queues, newest first.
import { getJson } from './api.js';
import { escape, num, time, state, jobLink } from './format.js';

export async function render(main, _params, signal) {
  const items = await getJson('/api/v1/dashboard/jobs?limit=100', signal);
  main.innerHTML = `<h2>Jobs</h2>
    <div class="panel table-wrap"><table>
      <thead><tr><th scope="col">Job</th><th scope="col">Queue</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">GPUs</th><th scope="col">Submitted</th></tr></thead>
      <tbody>${items.map(j => `<tr data-job="${escape(j.name)}"><td>${jobLink(j)}</td><td>${escape(j.queue)}</td><td>${state(j.state)}</td><td class="reason">${escape(j.reason)}</td>
        <td>${num(j.spec?.resources?.gpus, 0)} × ${escape(j.spec?.resources?.gpuType)}</td><td>${time(j.createdAt)}</td></tr>`).join('')
        || '<tr><td colspan="6" class="muted">No jobs yet.</td></tr>'}</tbody>
    </table></div>`;
}
