// Outbox and history: every message with each recipient's job, kept up
// to date by the event stream; cancel, retry, resend; pages and archive.
import { t, has } from './strings.js';
import { h, replace, field, pageList, time, debounce } from './dom.js';
import { get, post, price } from './api.js';

const pageSize = 30;

export default async function outbox({ main, user, events, notify, go }) {
  const messages = new Map(); // id -> message: a summary from the list, or all of it
  const open = new Set(); // ids of messages whose details are shown
  const shownCopy = new Map(); // message id -> the job whose copy's pages are shown (default the first)
  const charges = new Map(); // job id -> what its calls cost, from the ledger
  let currency = '';
  let oldest = 0;
  let more = false;

  const stateFilter = h('select', { id: 'filter-state', on: { change: draw } },
    ['', 'active', 'delivered', 'failed', 'cancelled'].map((v) =>
      h('option', { value: v, text: t({ '': 'filterAll', active: 'filterActive', delivered: 'filterDelivered',
        failed: 'filterFailed', cancelled: 'filterCancelled' }[v]) })));
  // Searching for a number needs the recipients, which summaries lack.
  const search = h('input', { type: 'search', id: 'search', on: { input: debounce(() => {
    if (search.value.trim()) for (const m of messages.values()) if (!m.recipients) refresh(m.id);
    draw();
  }, 200) } });
  const list = h('div', { class: 'messages', 'aria-live': 'off' });
  const moreBtn = h('button', { type: 'button', text: t('loadMore'), on: { click: load } });

  replace(main, h('h1', { text: t('outboxTitle') }),
    h('div', { class: 'filters' }, field(t('filterState'), stateFilter), field(t('search'), search, t('searchHint'))),
    list, moreBtn);

  async function load() {
    const res = await get(`/api/messages?limit=${pageSize}` + (oldest ? '&before=' + oldest : ''));
    for (const m of res.messages) {
      messages.set(m.id, m);
      oldest = m.id;
    }
    more = res.messages.length === pageSize;
    draw();
  }

  function matches(m) {
    const f = stateFilter.value;
    if (f && m.state !== f && !(f === 'failed' && m.state === 'partial')) return false;
    const q = search.value.trim().toLowerCase();
    if (!q) return true;
    const hay = [m.subject, m.sender, ...(m.recipients || []).flatMap((r) => [r.number, r.name, r.who?.label, r.who?.display])];
    return hay.some((s) => s && String(s).toLowerCase().includes(q));
  }

  function draw() {
    const shown = [...messages.values()].sort((a, b) => b.id - a.id).filter(matches);
    const focused = list.contains(document.activeElement) && document.activeElement.dataset.key;
    replace(list, shown.length ? shown.map(card)
      : h('p', { class: 'empty', text: t(messages.size ? 'noMatch' : 'noMessages') }));
    moreBtn.hidden = !more;
    if (focused) list.querySelector(`[data-key="${focused}"]`)?.focus();
  }

  function card(m) {
    const jobs = m.jobs || [];
    const copy = jobs.find((j) => j.id === shownCopy.get(m.id)) || jobs[0];
    const pages = copy?.pages_total || 0;
    const query = copy ? '?job=' + copy.id : '';
    return h('article', { class: 'message card', dataset: { message: m.id, state: m.state } },
      h('header', {},
        h('h2', { text: t('messageTitle', { subject: m.subject || t('noSubject'), when: time(m.created) }) }),
        h('span', { class: 'badge ' + m.state, text: t('msgState_' + m.state) })),
      m.jobs ? h('ul', { class: 'jobs' }, jobs.map(jobRow))
        : h('p', { class: 'counts', text: Object.entries(m.counts || {}).map(([s, n]) => t('count', { n, state: t('count_' + s) })).join(' · ') }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', dataset: { key: 'details-' + m.id }, 'aria-expanded': String(open.has(m.id)), text: t(open.has(m.id) ? 'hide' : 'details'),
          on: { click: () => details(m) } }),
        h('button', { type: 'button', dataset: { key: 'resend-' + m.id }, text: t('resend'), on: { click: () => resend(m) } }),
        h('a', { class: 'button', href: `/api/messages/${m.id}/archive.pdf` + query, download: '', text: t('archive') })),
      open.has(m.id) && pages > 0 && h('div', { class: 'previews', dataset: { job: copy.id } },
        h('h3', { text: jobs.length > 1 ? t('pagesOfCopy', { who: recipientText(copy.recipient || {}) }) : t('pages') }),
        pageList(Array.from({ length: pages }, (_, i) => `/api/messages/${m.id}/pages/${i + 1}.png` + query))));
  }

  // showCopy shows the pages of job's copy: each recipient's first page
  // names them (and the To and Cc recipients), so the copies differ.
  function showCopy(j) {
    shownCopy.set(j.message, j.id);
    open.add(j.message);
    draw();
  }

  function jobRow(j) {
    const r = j.recipient || {};
    const shown = open.has(j.message) && (shownCopy.get(j.message) ?? messages.get(j.message)?.jobs?.[0]?.id) === j.id;
    return h('li', { class: 'job', dataset: { job: j.id, state: j.state }, 'aria-current': shown ? 'true' : null },
      h('span', { class: 'rcpt' }, h('small', { class: 'field-name', text: t(r.field || 'to') }), ' ', recipientName(r),
        j.pages_total > 0 && h('button', { type: 'button', class: 'link pages-one', dataset: { key: 'pages-job-' + j.id },
          'aria-pressed': String(shown), text: t('copyPages'), on: { click: () => showCopy(j) } })),
      h('span', { class: 'state ' + j.state, text: stateText(j) },
        j.waiting && h('small', { class: 'why', dataset: { reason: j.waiting.reason }, text: waitText(j) })),
      h('small', { class: 'attempts', text: j.attempts ? t('attempts', { n: j.attempts, max: j.max_attempts }) : '' }),
      costOf(j),
      h('span', { class: 'job-actions' },
        !finalState(j.state) && h('button', { type: 'button', class: 'cancel', dataset: { key: 'cancel-' + j.id }, text: t('cancel'), on: { click: () => {
          // A call in progress is hung up mid-page: ask first.
          if ((j.state === 'dialing' || j.state === 'sending') && !confirm(t('confirmCancelCall', { who: recipientText(r) }))) return;
          act(j, 'cancel');
        } } }),
        (j.state === 'retry' || j.state === 'failed') &&
          h('button', { type: 'button', class: 'retry', title: t('retryHint'), dataset: { key: 'retry-' + j.id }, text: t('retry'), on: { click: () => act(j, 'retry') } }),
        h('button', { type: 'button', class: 'resend-one', dataset: { key: 'resend-job-' + j.id }, text: t('resendOne'),
          on: { click: () => resend({ id: j.message }, j.id) } }),
        j.attempts > 0 && h('a', { class: 'button report', href: `/api/jobs/${j.id}/report.pdf`, download: '', text: t('report') })));
  }

  // costOf is the cost of a finished job's calls, a meter running during
  // the call, or an empty cell.
  function costOf(j) {
    const cost = charges.get(j.id);
    if (cost) return h('small', { class: 'cost', dataset: { cost }, text: t('cost', { cost: `${cost} ${currency}` }) }, estimated(j));
    const call = lastAttempt(j);
    if (j.state !== 'sending' || !call || !call.connected) return h('small', { class: 'cost' });
    const meter = h('small', { class: 'cost meter', dataset: { since: call.connected, number: j.recipient.number } });
    tick(meter);
    return meter;
  }

  // estimated is the estimate made when the job was submitted, shown
  // beside what its calls cost.
  function estimated(j) {
    const micros = j.recipient?.estimate_micros;
    if (!micros) return null;
    const cost = (micros / 1e6).toFixed(2);
    return h('span', { class: 'estimated', dataset: { estimate: cost }, text: ' (' + t('estimated', { cost: `${cost} ${currency}` }) + ')' });
  }

  async function act(j, what) {
    try {
      await post(`/api/jobs/${j.id}/${what}`);
      refresh(j.message);
    } catch (e) {
      notify(e.message, 'error');
    }
  }

  // details shows or hides a message's jobs and pages; the list of
  // messages has only their counts.
  function details(m) {
    if (open.has(m.id)) open.delete(m.id);
    else open.add(m.id);
    if (m.jobs) draw();
    else refresh(m.id);
  }

  // resend makes the message, with its files, the draft again (for the
  // one recipient of job when given) and opens it in Compose.
  async function resend(m, job) {
    try {
      await post(`/api/messages/${m.id}/resend` + (job ? '?job=' + job : ''));
      go('compose');
    } catch (e) {
      notify(e.message, 'error');
    }
  }

  // refresh fetches a message again; events only say that it changed.
  // Requests for the same message are coalesced.
  const busy = new Map(); // id -> true if another refresh is wanted
  async function refresh(id) {
    if (busy.has(id)) { busy.set(id, true); return; }
    busy.set(id, false);
    try {
      const m = await get('/api/messages/' + id);
      messages.set(id, m);
      await costs();
      draw();
    } catch (e) {
      if (e.status !== 404) notify(e.message, 'error');
    } finally {
      const again = busy.get(id);
      busy.delete(id);
      if (again) refresh(id);
    }
  }

  // costs reads from the ledger what the finished jobs of the loaded
  // messages cost. A call is charged when it is settled, which may be
  // just after its job ends: the "account" event that follows calls
  // this again.
  async function costs() {
    const ms = [...messages.values()].filter((m) => (m.jobs || []).some((j) => finalState(j.state) && !charges.has(j.id)));
    if (!ms.length) return;
    const jobs = ms.flatMap((m) => m.jobs);
    const from = ms.map((m) => m.created.slice(0, 10)).sort()[0]; // no call is older than its message
    let res;
    try { res = await get('/api/account/ledger?format=json&from=' + from); } catch { return; }
    currency = res.currency;
    for (const j of jobs) {
      const entries = (res.entries || []).filter((e) => e.kind === 'charge' && e.job === 'job' + j.id);
      const cents = entries.reduce((sum, e) => sum + Math.round(Math.abs(parseFloat(e.amount)) * 100), 0);
      if (entries.length) charges.set(j.id, (cents / 100).toFixed(2));
    }
  }

  await load();
  // Messages in progress are shown with their jobs, live.
  await Promise.all([...messages.values()].filter((m) => m.state === 'active').map((m) => refresh(m.id)));
  const timer = setInterval(() => list.querySelectorAll('.meter').forEach(tick), 1000);
  const offs = [
    events.on('job', (d) => { if (messages.has(d.message) || d.message > oldest) refresh(d.message); }),
    events.on('message', (d) => refresh(d.message)),
    events.on('account', () => costs().then(draw)),
    // A line that frees up or gets busy changes why queued jobs wait.
    events.on('modem', debounce(() => {
      for (const m of messages.values()) if ((m.jobs || []).some((j) => j.waiting && j.waiting.reason !== 'scheduled')) refresh(m.id);
    }, 300)),
  ];
  return () => { clearInterval(timer); offs.forEach((f) => f()); };
}

// recipientName is a recipient as people know them: the contact and
// company of the address book, or the name it was sent to, with the
// number grouped for reading (its E.164 form in the title).
function recipientName(r) {
  const who = r.who || {};
  const name = who.label || r.name;
  const number = who.display || r.number;
  return h('span', { class: 'rcpt-who', title: who.e164 || r.number },
    name && h('span', { class: 'rcpt-name', text: name }), name && ' ', h('small', { class: 'rcpt-number', text: number }));
}

function recipientText(r) {
  const who = r.who || {};
  return [who.label || r.name, who.display || r.number].filter(Boolean).join(' ');
}

// waitText says why a queued job has not been dialled yet.
function waitText(j) {
  const w = j.waiting;
  switch (w.reason) {
    case 'scheduled':
      return j.state === 'retry' ? '' : t('waitScheduled', { when: time(w.until, false) });
    case 'lines_busy':
      return t('waitLinesBusy', { lines: (w.lines || []).filter((l) => l.state !== 'idle').map((l) =>
        l.recipient ? t('lineCalling', { line: l.name, who: [l.recipient.label, l.recipient.display].filter(Boolean).join(' ') })
          : t('lineBusy', { line: l.name, state: l.state })).join('; ') });
    case 'no_lines':
      return t('waitNoLines');
    case 'starting':
      return t('waitStarting');
  }
  return w.text || '';
}

const finalState = (s) => s === 'delivered' || s === 'failed' || s === 'cancelled';

function lastAttempt(j) {
  const h = j.history || [];
  return h[h.length - 1];
}

// stateText says what a job is doing, in words.
export function stateText(j) {
  const call = lastAttempt(j) || {};
  const reason = j.reason_text || j.reason || '';
  switch (j.state) {
    case 'sending': {
      const vars = { rate: call.bit_rate, page: Math.min(j.pages_confirmed + 1, j.pages_total), pages: j.pages_total };
      return t(call.bit_rate ? 'state_sendingRate' : 'state_sending', vars) + pageProgress(call, vars.page);
    }
    case 'retry':
      return t(reason ? 'state_retryBecause' : 'state_retry', { when: time(j.next_attempt, false), reason });
    case 'failed':
      return t('state_failed', { reason });
    default:
      return has('state_' + j.state) ? t('state_' + j.state) : j.state;
  }
}

// pageProgress says how much of the page being sent has gone out, for a
// page long enough that the daemon reported it.
function pageProgress(call, page) {
  if (!call.page_bytes || call.page_in_progress !== page) return '';
  return ' ' + t('pageProgress', { percent: Math.min(99, Math.floor(100 * call.page_sent / call.page_bytes)) });
}

// tick updates a running cost meter: the connected time at the number's
// price per minute.
function tick(meter) {
  price(meter.dataset.number).then((p) => {
    const minutes = (Date.now() - new Date(meter.dataset.since)) / 60000;
    const cost = parseFloat(p.connect_fee || 0) + Math.max(0, minutes) * parseFloat(p.per_minute);
    meter.textContent = t('costSoFar', { cost: `${cost.toFixed(2)} ${p.currency}` });
  }, () => {});
}
