// Account: the credit, the ledger and call statement, vouchers, prices,
// and the user's own password.
import { t } from './strings.js';
import { h, replace, field, form, table, debounce } from './dom.js';
import { get, post, patch } from './api.js';
import { ledgerTable } from './ledger.js';

const ledgerRows = 50; // the latest entries; the CSV has them all

export default async function account({ main, events, notify, user }) {
  const summary = h('dl', { class: 'summary', id: 'account-summary' });
  const ledger = h('div', {});
  const tariffs = h('div', {});

  function showAccount(a) {
    const row = (key, value, id) => [h('dt', { text: t(key) }), h('dd', { id, dataset: { amount: value }, text: value })];
    const money = (v) => `${v} ${a.currency}`;
    replace(summary,
      row('balance', money(a.balance), 'balance'),
      row('available', money(a.available), 'available'),
      row('held', money(a.held)),
      row('openHolds', String(a.open_holds)),
      row('spentMonth', money(a.spent_this_month)),
      row('yourSpend', money(a.user_spent_this_month)),
      row('yourLimit', a.user_monthly_limit ? money(a.user_monthly_limit) : t('noLimit')),
      a.min_available && row('minAvailable', money(a.min_available)));
    summary.querySelector('#balance').dataset.amount = a.balance;
    summary.querySelector('#available').dataset.amount = a.available;
    if (a.note) summary.append(h('p', { class: 'hint', text: a.note }));
  }

  async function loadLedger() {
    replace(ledger, await ledgerTable(ledgerRows));
  }

  // The price list is long: it is folded, with a filter.
  async function loadTariffs() {
    const res = await get('/api/tariffs');
    const rates = res.rates || [];
    const body = h('div', {});
    const show = () => {
      const q = filter.value.trim().toLowerCase();
      replace(body, table(t('priceList'), [
        { label: t('prefix'), key: 'prefix' },
        { label: t('destination'), key: 'name' },
        { label: t('perMinuteHead', { currency: res.currency }), key: 'per_minute' },
        { label: t('connectFee'), key: 'connect_fee' },
        { label: t('minimum'), key: 'minimum' },
      ], rates.filter((r) => !q || r.name.toLowerCase().includes(q) || r.prefix.startsWith(q.replace(/^\+/, '')))));
    };
    const filter = h('input', { type: 'search', on: { input: debounce(show, 150) } });
    show();
    replace(tariffs, h('details', {}, h('summary', { text: t('priceListSummary', { n: rates.length }) }),
      field(t('search'), filter), body));
  }

  const result = h('output', { id: 'lookup-result', 'aria-live': 'polite' });
  const lookup = form('lookup', [
    field(t('lookupNumber'), h('input', { name: 'number', id: 'lookup-number', type: 'tel', required: true })),
    field(t('lookupPages'), h('input', { name: 'pages', type: 'number', min: 1, max: 1000, value: 1 })),
  ], 'lookupSubmit', async (v) => {
    const p = await get(`/api/price?number=${encodeURIComponent(v.number)}&pages=${v.pages || 1}`);
    result.textContent = t('lookupResult', { number: p.number, country: p.country, tariff: p.tariff,
      per: p.per_minute, currency: p.currency, pages: p.pages, estimate: p.estimate });
  }, result);

  const redeem = form('redeem', [field(t('voucherCode'), h('input', { name: 'code', required: true, autocomplete: 'off' }))],
    'redeemSubmit', async (v, f) => {
      const res = await post('/api/vouchers/redeem', { code: v.code });
      notify(t('redeemed', { amount: res.amount, currency: res.currency }), 'ok');
      f.reset();
      loadLedger().catch(() => {});
    });

  const password = passwordForm(() => notify(t('passwordChanged'), 'ok'));

  replace(main, h('h1', { text: t('accountTitle') }), summary,
    h('div', { class: 'grid' }, nameForm(user, notify), redeem, lookup, password),
    h('section', {}, h('h2', { text: t('ledger') }),
      h('a', { class: 'button', href: '/api/account/ledger?format=csv', download: 'statement.csv', text: t('statementCSV') }),
      h('p', { class: 'hint', text: t('statementCounts') }), ledger),
    h('section', {}, h('h2', { text: t('priceList') }), h('p', { class: 'hint', text: t('meterCounts') }), tariffs));

  showAccount(await get('/api/account'));
  const failed = (el) => (e) => replace(el, h('p', { class: 'error', text: e.message }));
  loadLedger().catch(failed(ledger));
  loadTariffs().catch(failed(tariffs));
  return events.on('account', (a) => { showAccount(a); loadLedger().catch(failed(ledger)); });
}

// nameForm sets the name the user is known by (cover pages, lists); the
// login name stays.
function nameForm(user, notify) {
  return form('yourName', [
    field(t('displayName'), h('input', { name: 'display_name', id: 'display-name', value: user.display_name || '',
      maxlength: 100, autocomplete: 'name', placeholder: 'Anna Martens' }), t('displayNameHint', { login: user.name })),
  ], 'save', async (v) => {
    const res = await patch('/api/me', { display_name: v.display_name.trim() });
    user.display_name = res.user.display_name;
    document.getElementById('who').textContent = t('signedInAs', { name: user.display_name || user.name });
    notify(t('nameSaved'), 'ok');
  });
}

// passwordForm changes the user's own password, then calls done.
export function passwordForm(done) {
  return form('changePassword', [
    field(t('oldPassword'), h('input', { name: 'old', type: 'password', required: true, autocomplete: 'current-password' })),
    field(t('newPassword'), h('input', { name: 'new', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), t('passwordHint')),
  ], 'save', async (v, f) => {
    await post('/api/me/password', { old: v.old, new: v.new });
    f.reset();
    done();
  });
}
