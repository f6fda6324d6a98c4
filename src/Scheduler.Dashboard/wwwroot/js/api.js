// Fetches JSON from the control plane; reports liveness to the header indicator.
const dot = () => document.getElementById('live-dot');
const text = () => document.getElementById('live-text');

export async function getJson(path, signal) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  const data = await response.json();
  // Aborted after the body arrived (the user moved to another page meanwhile): never render a stale page over the new one.
  if (signal?.aborted) throw new DOMException('The page changed while loading', 'AbortError');
  return data;
}

export function markLive(ok, message) {
  dot()?.classList.toggle('on', ok);
  dot()?.classList.toggle('off', !ok);
  if (text()) text().textContent = message;
}

// Writes as the signed-in session: the session's antiforgery token goes with each (cookie sessions' writes require it).
let session;
export async function send(method, path, body) {
  session ??= await (await fetch('/ui/session', { headers: { Accept: 'application/json' } })).json();
  const headers = { Accept: 'application/json', [session.antiforgeryHeader]: session.antiforgeryToken };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      const errors = problem.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') : '';
      detail = errors || problem.detail || problem.title || detail;
    } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response.json();
}
