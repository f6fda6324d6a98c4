// Hash router with short polling: each page exposes render(main, params, signal) and is re-rendered every few seconds.
import { markLive } from './api.js';
import * as queues from './queues.js';
import * as gpus from './gpus.js';
import * as jobs from './jobs.js';
import * as job from './job.js';
import * as accounting from './accounting.js';

const REFRESH_MS = 3000;
const routes = [
  { pattern: /^#\/queues$/, page: queues, nav: 'queues' },
  { pattern: /^#\/gpus$/, page: gpus, nav: 'gpus' },
  { pattern: /^#\/jobs$/, page: jobs, nav: 'jobs' },
  { pattern: /^#\/jobs\/([^/]+)$/, page: job, nav: 'jobs' },
  { pattern: /^#\/accounting$/, page: accounting, nav: 'accounting' },
];

let timer = null;
let controller = null;

function resolve() {
  const hash = location.hash || '#/queues';
  for (const route of routes) {
    const match = hash.match(route.pattern);
    if (match) return { ...route, params: match.slice(1).map(decodeURIComponent) };
  }
  return { ...routes[0], params: [] };
}

async function refresh(route, first) {
  controller?.abort();
  controller = new AbortController();
  const main = document.getElementById('main');
  try {
    await route.page.render(main, route.params, controller.signal, first);
    markLive(true, `updated ${new Date().toLocaleTimeString('en-GB')}`);
  } catch (error) {
    if (error.name === 'AbortError') return;
    markLive(false, `offline: ${error.message}`);
    if (first) main.innerHTML = `<p class="error" role="alert">Could not load this page: ${error.message}</p>`;
  }
}

async function navigate(event) {
  clearInterval(timer);
  const route = resolve();
  for (const link of document.querySelectorAll('[data-route]')) {
    if (link.dataset.route === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  main.innerHTML = '<p class="muted">Loading…</p>';
  await refresh(route, true);
  // After a route change keyboard and screen-reader users land on the new content; on first load focus stays at the
  // top so that Tab reaches the skip link first.
  if (event) main.focus({ preventScroll: true });
  timer = setInterval(() => { if (!document.hidden) refresh(route, false); }, REFRESH_MS);
}

// The skip link only moves focus: followed as a hash ('#main') it would leave the page's route for the default one, and
// the late focus of that navigation would land after whatever the user did next.
// Who is signed in (the cookie session); signing out posts the session's antiforgery token. An ended session (401) goes
// back to the sign-in page.
async function showSession() {
  const response = await fetch('/ui/session', { headers: { Accept: 'application/json' }, redirect: 'manual' });
  if (!response.ok) { location.assign('/ui/sign-in?error=expired'); return; }
  const session = await response.json();
  document.getElementById('session-user').textContent = session.user;
  document.getElementById('session-role').textContent = session.clusterAdmin ? ' (cluster admin)'
    : session.teams.length ? ` (${session.teams.map((t) => `${t.team}: ${t.role.toLowerCase()}`).join(', ')})` : '';
  const form = document.getElementById('session');
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await fetch('/ui/sign-out', { method: 'POST', headers: { [session.antiforgeryHeader]: session.antiforgeryToken } });
    location.assign('/ui/sign-in');
  });
}
showSession();

document.querySelector('a.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});

window.addEventListener('hashchange', navigate);
navigate();
