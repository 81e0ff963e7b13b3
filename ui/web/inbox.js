// Inbox: received faxes, newest first, kept up to date by the event
// stream; each with its pages and its PDF and TIFF.
import { t } from './strings.js';
import { h, replace, pageList, time } from './dom.js';
import { get, post } from './api.js';

export default async function inbox({ main, events }) {
  const list = h('div', { class: 'faxes' });
  const tools = h('div', { class: 'actions' });
  replace(main, h('h1', { text: t('inboxTitle') }), tools, list);
  // The demo's simulated remote fax machine can be asked to send a fax.
  get('/api/account').then((acct) => {
    if (!acct.demo) return;
    const note = h('span', { role: 'status' });
    const button = h('button', { type: 'button', id: 'demo-incoming', text: t('demoIncoming'), on: { click: async () => {
      button.disabled = true;
      try {
        await post('/api/demo/incoming');
        note.textContent = t('demoIncomingCalling');
      } catch (e) {
        note.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    } } });
    replace(tools, button, note);
  }).catch(() => {});

  async function load() {
    const res = await get('/api/inbox?limit=100');
    const faxes = res.faxes || [];
    replace(list, faxes.length ? faxes.map(card) : h('p', { class: 'empty', text: t('inboxEmpty') }));
  }

  function card(f) {
    const pages = h('div', { class: 'previews' });
    const from = f.caller_ident || f.caller_id || t('unknownCaller');
    const status = f.receiving ? t('receiving') : f.partial ? t('partial', { reason: f.reason_text || f.reason || '' }) : '';
    const toggle = h('button', { type: 'button', 'aria-expanded': 'false', text: t('details'), on: { click: async () => {
      const shown = toggle.getAttribute('aria-expanded') === 'true';
      toggle.setAttribute('aria-expanded', String(!shown));
      toggle.textContent = t(shown ? 'details' : 'hide');
      if (shown) return replace(pages);
      const full = await get('/api/inbox/' + f.id);
      replace(pages, pageList((full.page_list || []).map((p) => p.image)));
    } } });
    return h('article', { class: 'card', dataset: { received: f.id } },
      h('header', {}, h('h2', { text: t('receivedTitle', { from, when: time(f.received_at) }) })),
      h('p', { text: [t('pagesCount', { n: f.pages }), status].filter(Boolean).join(' · ') }),
      h('div', { class: 'actions' }, toggle,
        h('a', { class: 'button', href: f.pdf, download: `fax-in-${f.id}.pdf`, text: t('downloadPDF') }),
        h('a', { class: 'button', href: f.tiff, download: `fax-in-${f.id}.tif`, text: t('downloadTIFF') })),
      pages);
  }

  await load().catch((e) => replace(list, h('p', { class: 'error', role: 'alert', text: e.message })));
  // A fax appears when its call is answered and grows page by page.
  const reload = () => load().catch(() => {});
  const offs = [events.on('received', reload), events.on('received.page', reload)];
  return () => offs.forEach((off) => off());
}
