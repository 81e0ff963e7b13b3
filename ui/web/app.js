// Faxbox web UI: the shell, the hash router, sign-in, live notices.
import { t } from './strings.js';
import { h, replace, field, form } from './dom.js';
import { get, post, serverNow, setCSRF, setUnauthorizedHandler, APIError, Events } from './api.js';
import compose from './compose.js';
import outbox from './outbox.js';
import contacts from './contacts.js';
import account, { passwordForm } from './account.js';
import admin from './admin.js';
import inbox, { from as faxFrom } from './inbox.js';
import guide, { loginFrom } from './setup.js';

const $ = (id) => document.getElementById(id);
const main = $('main');

// password is the page a user whose password an administrator set must
// go through first.
const password = ({ main, user, go }) => {
  replace(main, h('div', { class: 'narrow' }, h('h1', { text: t('mustChangeTitle') }), h('p', { text: t('mustChange') }),
    passwordForm(() => { user.must_change_password = false; go('compose'); })));
};

const pages = [
  { path: 'compose', label: 'navCompose', view: compose },
  { path: 'outbox', label: 'navOutbox', view: outbox },
  { path: 'inbox', label: 'navInbox', view: inbox },
  { path: 'contacts', label: 'navContacts', view: contacts },
  { path: 'account', label: 'navAccount', view: account },
  { path: 'admin', label: 'navAdmin', view: admin, admin: true },
];

const app = {
  user: null,
  // The stream shows "reconnecting…" while it is down; a request finds
  // out whether that is because the session ended (401: log in again).
  events: new Events((live) => {
    $('live').hidden = live;
    if (!live) get('/auth/me').catch((e) => { if (e.status === 401) onUnauthorized(); });
  }),
  notify,
  unread,
  go: (path) => { location.hash = '#/' + path; },
};

let cleanup = null;
let routes = 0; // counts route changes, so a page that loads late knows it is gone

// route shows the page the hash names: "#/compose?to=contact:3".
async function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query || '');
  const n = ++routes;
  if (cleanup) { cleanup(); cleanup = null; }
  const page = pages.find((p) => p.path === path);
  const view = { login, setup, password, welcome: guide }[path] || (page && page.view);
  if (path !== 'login' && path !== 'setup') {
    if (!app.user) return start();
    if (!path) return app.go('compose');
    if (app.user.must_change_password && path !== 'password') return app.go('password');
  }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.path === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = t(page ? page.label : 'app') + ' · ' + t('app');
  if (!view) return replace(main, h('p', { text: t('notFound') }));
  replace(main, h('p', { text: t('loading') }));
  try {
    const done = await view({ ...app, main, params });
    if (n === routes) cleanup = done || null;
    else if (done) done();
  } catch (e) {
    if (n === routes) replace(main, h('p', { class: 'error', role: 'alert', text: t('error', { error: e.message }) }));
  }
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

// start finds out whether Faxbox needs its first account, or who is
// signed in, and shows the right page.
async function start() {
  try {
    const st = await get('/auth/state');
    if (st.setup_needed) return app.go('setup');
    signedIn(await get('/auth/me'));
    route();
  } catch (e) {
    if (e instanceof APIError && e.status === 401) return app.go('login');
    replace(main, h('p', { class: 'error', role: 'alert', text: t('offline', { error: e.message }) }));
  }
}

function signedIn({ user, csrf }) {
  app.user = user;
  setCSRF(csrf);
  replace($('nav'), pages.filter((p) => !p.admin || user.admin).map((p) =>
    h('li', {}, h('a', { href: '#/' + p.path, dataset: { path: p.path } }, t(p.label),
      p.path === 'inbox' && h('span', { class: 'count', id: 'unread-count', hidden: true })))));
  showWho(user);
  document.querySelector('header.top').hidden = false;
  $('notify-btn').hidden = !('Notification' in window) || Notification.permission !== 'default';
  app.opened = serverNow() - 2000;
  app.events.start(user);
  unread();
}

// showWho shows who is signed in, by the name they chose.
function showWho(user) {
  $('who').textContent = t('signedInAs', { name: user.display_name || user.name });
}

// unread shows the count of faxes this user has not read beside Inbox,
// on every page: n when the caller knows it, else asked for.
async function unread(n) {
  if (n === undefined) {
    try { n = (await get('/api/inbox/unread')).unread; } catch { return; }
  }
  const badge = $('unread-count');
  if (!badge) return;
  badge.textContent = String(n);
  badge.hidden = !n;
  badge.setAttribute('aria-label', t('unreadCount', { n }));
}

function signedOut() {
  app.user = null;
  setCSRF('');
  app.events.stop();
  document.querySelector('header.top').hidden = true;
}

// authForm shows the login or setup form; send posts its values and
// returns the signed-in user.
function authForm(title, intro, fields, submit, send, next = 'compose') {
  const f = form(null, [intro && h('p', { text: t(intro) }), fields], submit, async (v) => {
    signedIn(await send(v));
    app.go(next);
  });
  replace(main, h('div', { class: 'narrow' }, h('h1', { text: t(title) }), f));
  f.querySelector('input').focus();
}

function input(name, type = 'text', autocomplete) {
  return h('input', { name, type, required: true, autocomplete });
}

function login() {
  signedOut();
  authForm('loginTitle', null, [
    field(t('name'), input('name', 'text', 'username')),
    field(t('password'), input('password', 'password', 'current-password')),
  ], 'loginSubmit', async (v) => {
    try {
      return await post('/auth/login', { name: v.name, password: v.password });
    } catch (e) {
      if (e.status === 401) throw new Error(t('loginWrong'));
      if (e.status === 429) throw new Error(t('loginThrottled', { s: e.body.retry_after || '60' }));
      throw e;
    }
  });
}

// setup is the first step of the setup guide (setup.js has the others):
// the administrator, with the name people read and the login name.
function setup() {
  signedOut();
  const display = input('display_name', 'text', 'name');
  const login = h('input', { name: 'name', type: 'text', required: true, autocomplete: 'username', pattern: '[^\\s]+',
    autocapitalize: 'none', spellcheck: 'false' });
  loginFrom(display, login);
  authForm('setupTitle', 'setupIntro', [
    field(t('setupCode'), h('input', { name: 'setup_code', type: 'text', required: true, autocomplete: 'off',
      autocapitalize: 'characters', spellcheck: 'false', placeholder: 'XXXX-XXXX-XXXX' }), t('setupCodeHint')),
    field(t('displayName'), display, t('displayNameHint')),
    field(t('loginName'), login, t('loginNameHint')),
    field(t('email'), input('email', 'email', 'email')),
    field(t('password'), h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), t('passwordHint')),
    field(t('passwordAgain'), input('again', 'password', 'new-password')),
  ], 'setupSubmit', (v) => {
    if (v.password !== v.again) throw new Error(t('passwordsDiffer'));
    return post('/auth/setup', { name: v.name, display_name: v.display_name, email: v.email, password: v.password, setup_code: v.setup_code })
      .catch((e) => {
        if (e.status === 403) throw new Error(t('setupCodeWrong'));
        if (e.status === 429) throw new Error(t('setupCodeThrottled', { s: e.body.retry_after || '60' }));
        throw e;
      });
  }, 'welcome');
}

// notify shows a notice in the page (read out by screen readers) and, if
// the user allowed it, in the browser's notification area.
function notify(text, kind = 'info', desktop = false, link = null) {
  const close = h('button', { type: 'button', class: 'link', 'aria-label': t('dismiss'), text: '×' });
  const n = h('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : null }, h('span', { text }),
    link && h('a', { href: link.href, text: link.text, on: { click: () => n.remove() } }), close);
  close.addEventListener('click', () => n.remove());
  $('notices').append(n);
  setTimeout(() => n.remove(), kind === 'error' ? 15000 : 6000);
  if (desktop && document.hidden && 'Notification' in window && Notification.permission === 'granted') {
    new Notification(t('app'), { body: text });
  }
}

// Delivery and failure notices, on whatever page is open, for what
// happens while it is open.
const noticed = new Set(); // "job/attempt" whose end was told already
app.events.on('job', async (d, ev) => {
  const key = d.job + '/' + d.attempts;
  if (d.state !== 'delivered' && d.state !== 'failed' || Date.parse(ev.at) < app.opened || noticed.has(key)) return;
  noticed.add(key);
  let who = '#' + d.job;
  try {
    const m = await get('/api/messages/' + d.message);
    who = recipientLabel(m.jobs.find((j) => j.id === d.job).recipient);
  } catch { /* the job's id will do */ }
  if (d.state === 'delivered') notify(t('delivered', { who }), 'ok', true);
  else notify(t('failed', { who, reason: d.reason_text || d.reason || '' }), 'error', true);
});

// recipientLabel is a job's recipient as people know them: the contact
// and company of the address book ("who" of GET /api/messages/{id}), or
// the name it was sent to, else its number grouped for reading.
function recipientLabel(r) {
  const w = r.who || {};
  return w.label || r.name || w.display || r.number;
}

// A received fax is told on whatever page is open, and counted.
app.events.on('received', async (d, ev) => {
  unread();
  if (Date.parse(ev.at) < app.opened || noticed.has('rx' + d.received)) return;
  noticed.add('rx' + d.received);
  let who = d.caller_ident || d.caller_id || t('unknownCaller');
  try { who = faxFrom(await get('/api/inbox/' + d.received)); } catch { /* the ident will do */ }
  notify(t('faxReceived', { from: who, n: d.pages }), 'info', true, { href: '#/inbox', text: t('openInbox') });
});

// A fax a colleague assigns to this user is told and counted; one taken
// away is counted again.
app.events.on('received.assigned', async (d, ev) => {
  unread();
  if (d.user !== app.user?.id || d.by === d.user || Date.parse(ev.at) < app.opened || noticed.has('as' + ev.seq)) return;
  noticed.add('as' + ev.seq);
  let from = t('unknownCaller');
  try { from = faxFrom(await get('/api/inbox/' + d.received)); } catch { /* no sender will do */ }
  notify(t('faxAssignedToYou', { from }), 'info', true, { href: '#/inbox', text: t('openInbox') });
});

function onUnauthorized() {
  if (app.user) {
    signedOut();
    app.go('login');
  }
}

function init() {
  document.querySelector('.skip').textContent = t('skip');
  $('live').textContent = t('reconnecting');
  $('logout').textContent = t('logout');
  $('notify-btn').textContent = t('enableNotifications');
  $('notify-btn').addEventListener('click', async () => {
    await Notification.requestPermission();
    $('notify-btn').hidden = Notification.permission !== 'default';
  });
  $('logout').addEventListener('click', async () => {
    try { await post('/auth/logout'); } finally { app.go('login'); }
  });
  setUnauthorizedHandler(onUnauthorized);
  window.addEventListener('hashchange', route);
  route();
}

init();
