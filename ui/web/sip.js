// SIP accounts on the administration page, below the modems and lines:
// each account's registration (registered, or failing with the reason
// and the SIP status), its next REGISTER and its calls in progress, from
// GET /api/modems' "sip".
import { t, has } from './strings.js';
import { h, table, time } from './dom.js';

// sipAccounts renders the accounts; an empty element when there are none.
export function sipAccounts(accounts) {
  const box = h('div', { id: 'sip-accounts' });
  if (!accounts || !accounts.length) return box;
  const state = (a) => {
    const key = 'sip_' + a.state.replace(/\s+/g, '_');
    return h('span', { class: 'badge sip-' + a.state.replace(/\s+/g, '-'), dataset: { state: a.state },
      text: has(key) ? t(key) : a.state });
  };
  const why = (a) => a.state !== 'failing' ? ''
    : [a.reason, a.status ? 'SIP ' + a.status : '', a.error].filter(Boolean).join(' · ');
  box.append(table(t('sipAccounts'), [
    { label: t('sipAccount'), key: 'name' },
    { label: t('sipRegistrar'), cell: (a) => a.registrar ? a.user + '@' + a.registrar : '' },
    { label: t('sipRegistration'), cell: state },
    { label: t('detail'), cell: (a) => h('span', { class: 'sip-why', text: why(a) }) },
    { label: t('sipNextRegister'), cell: (a) => time(a.next_register) },
    { label: t('sipCalls'), cell: (a) => h('span', { class: 'sip-calls', dataset: { calls: a.calls },
      text: t('sipCallsOf', { calls: a.calls, lines: (a.lines || []).length }) }) },
  ], accounts));
  return box;
}
