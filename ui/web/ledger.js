// The ledger as people read it: one row per fax job (its holds, calls
// and charge together, with the message's subject and recipient), one
// per top-up or adjustment.
import { t, has } from './strings.js';
import { h, table, time } from './dom.js';
import { get } from './api.js';

// ledgerTable returns the latest n rows of GET /api/account/ledger?group=job
// as a table, or a note that there are none.
export async function ledgerTable(n) {
  const res = await get('/api/account/ledger?format=json&group=job&limit=' + n);
  const rows = (res.rows || []).slice(-n).reverse();
  if (!rows.length) return h('p', { class: 'empty', text: t('noEntries') });
  return h('div', { id: 'ledger-rows' }, table(t('ledgerLatest', { n }), [
    { label: t('at'), cell: (r) => time(r.at) },
    { label: t('action'), cell: what },
    { label: t('amount'), cell: (r) => h('span', { class: 'amount', text: amount(r) }) },
    { label: t('balance'), key: 'balance' },
  ], rows));
}

// what describes a row: "Fax to Alice Martin (+32…): “Contract” · 2 call(s)".
function what(r) {
  if (r.kind !== 'fax') {
    return h('span', { class: 'ledger-row', dataset: { kind: r.kind } },
      (has('kind_' + r.kind) ? t('kind_' + r.kind) : r.kind) + (r.why ? ' · ' + r.why : ''));
  }
  const to = r.recipient ? `${r.recipient} (${r.number})` : (r.number || '');
  return h('span', { class: 'ledger-row', dataset: { kind: 'fax', job: r.job_id || '' } },
    [t('ledgerFax', { to }), r.subject && t('ledgerSubject', { subject: r.subject }), t('ledgerCalls', { n: r.calls })]
      .filter(Boolean).join(' · '));
}

// amount is what a row cost or added; a call in progress shows its hold.
function amount(r) {
  if (r.held) return t('ledgerInCall', { held: r.held });
  if (r.kind === 'fax' && !r.charged) return t('ledgerNotCharged');
  return r.amount;
}
