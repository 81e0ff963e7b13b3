// Inbox: received faxes, newest first, kept up to date by the event
// stream; each with who sent it, read or unread for this user, its pages
// (in a viewer with zoom), its PDF and TIFF, and what to do with it:
// assign, forward by e-mail, delete (administrators).
import { t } from './strings.js';
import { h, replace, time } from './dom.js';
import { get, post, del } from './api.js';

export default async function inbox({ main, events, user, notify, unread }) {
  const list = h('div', { class: 'faxes' });
  const tools = h('div', { class: 'actions' });
  const open = new Set(); // ids whose pages are shown
  let people = null; // the users a fax can be assigned to, once asked for
  let demoNote = null;
  replace(main, h('h1', { text: t('inboxTitle') }), tools, list, viewer.el);
  // The demo's simulated remote fax machine can be asked to send a fax.
  get('/api/account').then((acct) => {
    if (!acct.demo) return;
    demoNote = h('span', { role: 'status', id: 'demo-note' });
    const button = h('button', { type: 'button', id: 'demo-incoming', text: t('demoIncoming'), on: { click: async () => {
      button.disabled = true;
      try {
        await post('/api/demo/incoming');
        demoNote.textContent = t('demoIncomingCalling');
      } catch (e) {
        demoNote.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    } } });
    replace(tools, button, demoNote);
  }).catch(() => {});

  async function load() {
    const res = await get('/api/inbox?limit=100');
    const faxes = res.faxes || [];
    replace(list, faxes.length ? faxes.map(card) : h('p', { class: 'empty', text: t('inboxEmpty') }));
    unread(res.unread);
  }

  function card(f) {
    const pages = h('div', { class: 'previews' });
    const status = f.receiving ? t('receiving') : f.partial ? t('partial', { reason: f.reason_text || f.reason || '' }) : '';
    const err = h('p', { class: 'error', role: 'alert' });
    const fail = (e) => { err.textContent = e.message; };
    const toggle = h('button', { type: 'button', class: 'pages-toggle', 'aria-expanded': String(open.has(f.id)),
      text: t(open.has(f.id) ? 'hide' : 'showPages', { n: f.pages }), on: { click: () => {
        if (open.has(f.id)) open.delete(f.id);
        else open.add(f.id);
        if (open.has(f.id) && !f.read) setRead(f, true).catch(fail);
        else showPages();
      } } });
    const showPages = async () => {
      toggle.setAttribute('aria-expanded', String(open.has(f.id)));
      toggle.textContent = t(open.has(f.id) ? 'hide' : 'showPages', { n: f.pages });
      if (!open.has(f.id)) return replace(pages);
      const full = await get('/api/inbox/' + f.id);
      const urls = (full.page_list || []).map((p) => p.image);
      replace(pages, h('ol', { class: 'pages' }, urls.map((src, i) => h('li', {},
        h('button', { type: 'button', class: 'page-thumb', 'aria-label': t('viewPage', { n: i + 1 }),
          on: { click: () => viewer.show(urls, i, from(f)) } },
        h('img', { src, alt: t('previewPage', { n: i + 1 }) }))))));
    };
    if (open.has(f.id)) showPages().catch(fail);
    const readBtn = h('button', { type: 'button', class: 'read-toggle', text: t(f.read ? 'markUnread' : 'markRead'),
      on: { click: () => setRead(f, !f.read).catch(fail) } });
    const assign = h('select', { class: 'assign', 'aria-label': t('assignTo'), on: {
      focus: () => fillPeople(assign, f).catch(fail),
      change: () => post(`/api/inbox/${f.id}/assign`, { user: Number(assign.value) })
        .then(() => { notify(t('assigned', { who: assign.selectedOptions[0].textContent }), 'ok'); return load(); }).catch(fail),
    } }, h('option', { value: String(f.user || 0), text: f.user ? t('assignedToUser', { id: f.user }) : t('allStaff') }));
    fillPeople(assign, f).catch(() => {});
    const to = h('input', { type: 'email', class: 'forward-to', placeholder: 'name@example.com', 'aria-label': t('forwardTo') });
    const forward = h('form', { class: 'forward', on: { submit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        await post(`/api/inbox/${f.id}/forward`, { to: to.value.trim() });
        notify(t('forwarded', { to: to.value.trim() }), 'ok');
        to.value = '';
      } catch (x) { fail(x); }
    } } }, to, h('button', { type: 'submit', text: t('forward') }));
    const remove = user.admin && h('button', { type: 'button', class: 'delete danger', text: t('delete'), on: { click: async () => {
      if (!confirm(t('confirmDeleteFax', { from: from(f) }))) return;
      try {
        await del('/api/inbox/' + f.id);
        await load();
      } catch (x) { fail(x); }
    } } });
    return h('article', { class: 'card fax' + (f.read ? '' : ' unread'), dataset: { received: f.id, read: String(!!f.read) } },
      h('header', {},
        h('h2', {}, !f.read && h('span', { class: 'badge new', text: t('unreadBadge') }), ' ',
          h('span', { class: 'from', title: f.caller?.e164 || '', text: t('receivedTitle', { from: from(f), when: time(f.received_at) }) })),
        f.caller?.label && h('small', { class: 'number', title: f.caller.e164 || '', text: f.caller.display })),
      h('p', { text: [t('pagesCount', { n: f.pages }), status].filter(Boolean).join(' · ') }),
      h('div', { class: 'actions' }, toggle, readBtn, assign,
        h('a', { class: 'button', href: f.pdf, download: '', text: t('downloadPDF') }),
        h('a', { class: 'button', href: f.tiff, download: '', text: t('downloadTIFF') }), remove),
      h('div', { class: 'actions' }, forward), err, pages);
  }

  async function setRead(f, read) {
    await post(`/api/inbox/${f.id}/read`, { read });
    await load();
  }

  // fillPeople puts the colleagues into a fax's "assign to" list, once.
  async function fillPeople(select, f) {
    if (select.dataset.filled) return;
    select.dataset.filled = '1';
    people = people || get('/api/people').then((r) => r.people || []);
    const ps = await people;
    replace(select, h('option', { value: '0', text: t('allStaff') }),
      ps.map((p) => h('option', { value: String(p.id), text: p.display_name ? `${p.display_name} (${p.name})` : p.name })));
    select.value = String(f.user || 0);
  }

  await load().catch((e) => replace(list, h('p', { class: 'error', role: 'alert', text: e.message })));
  // A fax appears when its call is answered and grows page by page.
  const reload = () => load().catch(() => {});
  const offs = [
    events.on('received', () => { if (demoNote) demoNote.textContent = ''; reload(); }),
    events.on('received.page', reload),
    events.on('purged', reload),
    events.on('received.assigned', reload), // a colleague passed a fax to or from this user
  ];
  return () => { offs.forEach((off) => off()); viewer.close(); };
}

// from is who sent a fax, as the address book knows its number, else as
// its machine introduced itself.
export function from(f) {
  const c = f.caller || {};
  return c.label || f.caller_ident || c.display || f.caller_id || t('unknownCaller');
}

// viewer shows a fax's pages one at a time, zoomed to the window's width
// or larger, in a modal dialog.
const viewer = (() => {
  const zooms = [1, 1.5, 2, 3];
  let urls = [], at = 0, zoom = 0;
  const img = h('img', { id: 'viewer-page', alt: '' });
  const title = h('h2', { id: 'viewer-title' });
  const count = h('span', { id: 'viewer-count', 'aria-live': 'polite' });
  const frame = h('div', { class: 'viewer-frame' }, img);
  const btn = (id, key, fn) => h('button', { type: 'button', id, text: t(key), on: { click: fn } });
  const prev = btn('viewer-prev', 'prevPage', () => go(at - 1));
  const next = btn('viewer-next', 'nextPage', () => go(at + 1));
  const el = h('dialog', { class: 'viewer', 'aria-labelledby': 'viewer-title' },
    h('header', {}, title, btn('viewer-close', 'close', () => el.close())),
    h('div', { class: 'actions' }, prev, count, next,
      btn('viewer-zoom-out', 'zoomOut', () => scale(zoom - 1)), btn('viewer-zoom-in', 'zoomIn', () => scale(zoom + 1))),
    frame);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') go(at + 1);
    if (e.key === 'ArrowLeft') go(at - 1);
    if (e.key === '+') scale(zoom + 1);
    if (e.key === '-') scale(zoom - 1);
  });
  function go(i) {
    at = Math.max(0, Math.min(urls.length - 1, i));
    img.src = urls[at];
    img.alt = t('previewPage', { n: at + 1 });
    count.textContent = t('pageOf', { n: at + 1, of: urls.length });
    prev.disabled = at === 0;
    next.disabled = at === urls.length - 1;
  }
  function scale(z) {
    zoom = Math.max(0, Math.min(zooms.length - 1, z));
    img.style.width = zooms[zoom] * 100 + '%';
    el.dataset.zoom = String(zooms[zoom]);
  }
  return {
    el,
    show(list, i, from) {
      urls = list;
      title.textContent = t('viewerTitle', { from });
      scale(0);
      go(i);
      if (!el.open) el.showModal();
    },
    close() { if (el.open) el.close(); },
  };
})();
