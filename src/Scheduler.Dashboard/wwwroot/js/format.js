// Small formatting and DOM helpers shared by the pages. All text goes through textContent or escape(): no HTML injection.
export function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function num(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function pct(value, digits = 1) {
  return value === null || value === undefined ? '—' : `${num(value * 100, digits)}%`;
}

export function bigNum(value) {
  if (value === null || value === undefined) return '—';
  const units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) if (Math.abs(value) >= size) return `${num(value / size, 2)}${suffix}`;
  return num(value, 0);
}

export function time(value) {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

export function duration(hours) {
  if (hours === null || hours === undefined) return '—';
  if (hours < 1 / 60) return `${num(hours * 3600, 0)} s`;
  if (hours < 1) return `${num(hours * 60, 0)} min`;
  if (hours < 48) return `${num(hours, 1)} h`;
  return `${num(hours / 24, 1)} d`;
}

export function state(value) {
  return `<span class="state ${escape(value)}">${escape(value)}</span>`;
}

// Private mode shows other teams' jobs without an id (the empty GUID): their name is a label, not a link.
const HIDDEN_ID = '00000000-0000-0000-0000-000000000000';

export function jobLink(job) {
  if (job.id === HIDDEN_ID) return `<span class="muted">${escape(job.name)}</span>`;
  return `<a href="#/jobs/${encodeURIComponent(job.id)}">${escape(job.name)}</a>`;
}
