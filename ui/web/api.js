// The server: JSON requests with the session cookie and the CSRF token,
// and the live event stream over a websocket that resumes where it left.

let csrf = '';
let onUnauthorized = () => {};

export function setCSRF(token) { csrf = token || ''; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// APIError carries the status and the decoded error body ({error, ...}).
export class APIError extends Error {
  constructor(status, body) {
    super((body && body.error) || (typeof body === 'string' && body) || 'HTTP ' + status);
    this.status = status;
    this.body = body || {};
  }
}

let skew = 0; // the server's clock less ours, from the Date of its answers

// serverNow is the time on the server's clock (to a second or so).
export function serverNow() { return Date.now() + skew; }

const safe = new Set(['GET', 'HEAD', 'OPTIONS']);

// request sends body as JSON, or as multipart when it is FormData.
export async function request(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (!safe.has(method)) opts.headers['X-CSRF-Token'] = csrf;
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const date = Date.parse(r.headers.get('Date'));
  if (date) skew = date - Date.now();
  const type = r.headers.get('Content-Type') || '';
  const data = r.status === 204 ? null : type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new APIError(r.status, data);
    if (r.status === 401 && !path.startsWith('/auth/')) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body = {}) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const del = (path) => request('DELETE', path);

// Events is the live stream of /api/events. It keeps the sequence number
// of the last event seen (also across page loads, in localStorage) and
// reconnects with ?since= so that nothing is missed while the connection
// was down. Events that happened before the page was opened are caught up
// with too: handlers tell them apart with ev.at if they must.
export class Events {
  constructor(onStatus) {
    this.handlers = new Map(); // kind -> Set of functions
    this.onStatus = onStatus; // called with true (live) or false (reconnecting)
    this.seq = 0;
    this.delay = 1000;
    this.ws = null;
    this.stopped = true;
  }

  // on subscribes fn(data, event) to events of kind; it returns the
  // function that unsubscribes.
  on(kind, fn) {
    if (!this.handlers.has(kind)) this.handlers.set(kind, new Set());
    this.handlers.get(kind).add(fn);
    return () => this.handlers.get(kind).delete(fn);
  }

  start(user) {
    this.key = 'faxbox.seq.' + user.id;
    this.seq = Number(localStorage.getItem(this.key)) || 0;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
    this.ws = null;
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/events?since=${this.seq}`);
    this.ws = ws;
    ws.addEventListener('open', () => { this.delay = 1000; this.onStatus(true); });
    ws.addEventListener('message', (m) => this.dispatch(m.data));
    ws.addEventListener('close', () => {
      if (this.ws !== ws || this.stopped) return;
      this.onStatus(false);
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }

  dispatch(text) {
    let ev;
    try { ev = JSON.parse(text); } catch { return; }
    if (ev.seq) {
      if (ev.seq <= this.seq) return; // seen before a reconnect
      this.seq = ev.seq;
      localStorage.setItem(this.key, String(ev.seq));
    }
    for (const fn of this.handlers.get(ev.kind) || []) {
      try { fn(ev.data || {}, ev); } catch (e) { console.error(e); }
    }
  }
}

const prices = new Map();

// price looks a number up in the price list, once per number: it resolves
// to /api/price's answer, or rejects with the reason the number is invalid.
export function price(number) {
  if (!prices.has(number)) {
    const p = get('/api/price?number=' + encodeURIComponent(number));
    p.catch((e) => { if (!(e instanceof APIError) || e.status >= 500) prices.delete(number); });
    prices.set(number, p);
  }
  return prices.get(number);
}

// faxNumber is a contact's first number labelled fax, or undefined.
export function faxNumber(contact) {
  return (contact.numbers || []).find((n) => n.label === 'fax');
}

// faxNumbers are all of a contact's numbers labelled fax, each with its
// index in contact.numbers.
export function faxNumbers(contact) {
  return (contact.numbers || []).map((n, index) => ({ ...n, index })).filter((n) => n.label === 'fax');
}

// upload posts a multipart form as request does, reporting the progress
// of the upload with onProgress(sent, total).
export function upload(path, body, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', path);
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    x.addEventListener('load', () => {
      let data = x.responseText;
      try { data = JSON.parse(data); } catch { /* text */ }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      const err = new APIError(x.status, data);
      if (x.status === 401) onUnauthorized(err);
      reject(err);
    });
    x.addEventListener('error', () => reject(new Error('the upload was interrupted')));
    x.send(body);
  });
}

// sendBeacon sends body as JSON with keepalive: the request outlives the
// page (a draft saved as the tab closes).
export function sendBeacon(method, path, body) {
  fetch(path, { method, keepalive: true, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) }).catch(() => {});
}
