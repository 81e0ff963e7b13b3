// Compose: recipients as chips with their price, subject, body,
// attachments, previews of every page, the cost and the credit, Send.
import { t } from './strings.js';
import { h, replace, field, pageList, debounce } from './dom.js';
import { get, post, price, faxNumber, APIError } from './api.js';
import { resolutionField, showEstimate, clearEstimate, slowPages } from './estimate.js';

const fields = ['to', 'cc', 'bcc'];

export const draftKey = (user) => 'faxbox.draft.' + user.id;

// saveDraft keeps a draft {to, cc, bcc: [{value, label, number}], subject, body}.
export function saveDraft(user, draft) {
  localStorage.setItem(draftKey(user), JSON.stringify(draft));
}

function loadDraft(user) {
  try {
    return JSON.parse(localStorage.getItem(draftKey(user))) || {};
  } catch {
    return {};
  }
}

export default async function compose({ main, user, events, notify, go, params }) {
  const draft = loadDraft(user);
  let files = [];
  let version = 0; // bumped by every change, so a preview knows it is stale
  let previewVersion = -1;

  // touch notes a change: the preview is stale, the draft is saved.
  const touch = () => {
    version++;
    previewNote.hidden = previewVersion < 0 || previewVersion === version;
    saveDraft(user, { ...Object.fromEntries(fields.map((f) => [f, rcpt[f].chips.map(({ value, label, number }) => ({ value, label, number }))])),
      subject: subject.value, body: body.value });
  };

  const rcpt = Object.fromEntries(fields.map((f) => [f, recipientField(f, touch)]));
  const subject = h('input', { name: 'subject', value: draft.subject || '', on: { input: touch } });
  const body = h('textarea', { name: 'body', rows: 8, on: { input: touch } });
  body.value = draft.body || '';

  const fileList = h('ul', { class: 'files' });
  const fileInput = h('input', { type: 'file', id: 'files', multiple: true, class: 'visually-hidden',
    on: { change: () => { addFiles(fileInput.files); fileInput.value = ''; } } });
  const drop = h('div', { class: 'drop' }, h('span', { text: t('dropHere') + ' ' }),
    h('label', { for: 'files', class: 'button', text: t('chooseFiles') }), fileInput, fileList);

  function addFiles(list) {
    files = files.concat([...list]);
    showFiles();
    touch();
  }
  function showFiles() {
    replace(fileList, files.map((f, i) => h('li', {}, h('span', { text: `${f.name} (${Math.ceil(f.size / 1024)} KiB)` }),
      h('button', { type: 'button', class: 'link', 'aria-label': t('removeFile', { name: f.name }), text: '×',
        on: { click: () => { files.splice(i, 1); showFiles(); touch(); } } }))));
  }

  const estimate = h('output', { id: 'estimate', text: t('estimateUnknown') });
  const resolution = resolutionField(() => touch());
  let lastEstimate = null; // of the last preview, to warn about slow pages before sending
  let slowAcknowledged = false;
  const available = h('output', { id: 'available' });
  const previews = h('div', { class: 'previews', id: 'previews' });
  const previewNote = h('p', { class: 'warn', hidden: true, text: t('previewOutdated') });
  const err = h('div', { class: 'error', role: 'alert', id: 'compose-error' });
  const previewBtn = h('button', { type: 'button', id: 'preview', text: t('preview'), on: { click: preview } });
  const sendBtn = h('button', { type: 'submit', class: 'primary', id: 'send', text: t('send') });

  // form builds the multipart body of a preview or a submission.
  function form() {
    const fd = new FormData();
    for (const f of fields) fd.append(f, rcpt[f].chips.map((c) => c.value).join(', '));
    fd.append('subject', subject.value);
    fd.append('body', body.value);
    fd.append('resolution', resolution.select.value);
    for (const f of files) fd.append('files', f, f.name);
    return fd;
  }

  function check() {
    for (const f of fields) rcpt[f].commit();
    const all = fields.flatMap((f) => rcpt[f].chips);
    if (!all.length) throw new Error(t('noRecipient'));
    if (all.some((c) => c.state === 'invalid')) throw new Error(t('invalidRecipients'));
  }

  // failed shows an error; numbers the server refused are marked on their chips.
  function failed(e) {
    if (e instanceof APIError && e.body.invalid) {
      for (const bad of e.body.invalid) rcpt[bad.field]?.markInvalid(bad.input, bad.reason);
      replace(err, t('invalidRecipients'));
    } else if (e instanceof APIError && e.status === 402) {
      replace(err, t('notEnoughCredit', { error: e.message }));
    } else {
      replace(err, e.message);
    }
  }

  async function preview() {
    replace(err);
    try {
      check();
      const v = version;
      previewBtn.disabled = true;
      replace(previews, h('p', { text: t('previewing') }));
      const res = await post('/api/previews', form());
      previewVersion = v;
      previewNote.hidden = v === version;
      showEstimate(estimate, res);
      lastEstimate = res.estimates;
      slowAcknowledged = false;
      replace(previews, h('h2', { text: t('previewTitle', { pages: res.pages }) }),
        pageList(res.previews));
    } catch (e) {
      replace(previews);
      clearEstimate(estimate);
      lastEstimate = null;
      failed(e);
    } finally {
      previewBtn.disabled = false;
    }
  }

  async function send(e) {
    e.preventDefault();
    // Enter in a text box completes a recipient or moves on, as in an
    // e-mail program; only the Send button sends.
    if (document.activeElement instanceof HTMLInputElement) return;
    replace(err);
    try {
      check();
      if (!confirmSlow()) return;
      sendBtn.disabled = true;
      sendBtn.textContent = t('sending');
      const m = await post('/api/messages', form());
      localStorage.removeItem(draftKey(user));
      notify(t('sent', { id: m.id }), 'ok');
      go('outbox');
    } catch (x) {
      failed(x);
    } finally {
      sendBtn.disabled = false;
      sendBtn.textContent = t('send');
    }
  }

  // confirmSlow warns once before sending a fax whose last preview has
  // pages that take more than a minute each; a second Send sends it.
  function confirmSlow() {
    const slow = previewVersion === version ? slowPages(lastEstimate) : [];
    if (!slow.length || slowAcknowledged) return true;
    slowAcknowledged = true;
    replace(err, t('slowPagesConfirm', { pages: slow.join(', ') }));
    return false;
  }

  const discard = h('button', { type: 'button', class: 'link', text: t('discard'), on: { click: () => {
    localStorage.removeItem(draftKey(user));
    for (const f of fields) rcpt[f].clear();
    subject.value = body.value = '';
    files = [];
    showFiles();
    replace(previews);
    touch();
  } } });

  // Files dropped anywhere on the form are attached.
  const over = (on) => (e) => { e.preventDefault(); drop.classList.toggle('over', on); };
  replace(main, h('form', { class: 'compose', on: { submit: send, dragenter: over(true), dragover: over(true), dragleave: over(false),
    drop: (e) => { over(false)(e); addFiles(e.dataTransfer.files); } } },
    h('h1', { text: t('composeTitle') }),
    fields.map((f) => rcpt[f].el),
    h('small', { class: 'hint', text: t('recipientsHint') }),
    field(t('subject'), subject),
    field(t('body'), body),
    h('fieldset', {}, h('legend', { text: t('attachments') }), drop),
    resolution.el,
    h('dl', { class: 'totals' }, h('dt', { text: t('estimate') }), h('dd', {}, estimate),
      h('dt', { text: t('available') }), h('dd', {}, available)),
    err,
    h('div', { class: 'actions' }, previewBtn, sendBtn, discard),
    previewNote, previews));

  for (const f of fields) for (const c of draft[f] || []) rcpt[f].add(c);
  for (const f of fields) {
    for (const v of params.getAll(f)) {
      if (v.startsWith('contact:')) {
        get('/api/contacts/' + v.slice(8)).then((c) => rcpt[f].add(contactChip(c))).catch((x) => notify(x.message, 'error'));
      } else rcpt[f].add({ value: v, label: v, number: v });
    }
  }
  if (params.size) touch();

  const showAccount = (a) => {
    available.textContent = `${a.available} ${a.currency}`;
    available.dataset.amount = a.available;
  };
  get('/api/account').then(showAccount).catch((x) => { available.textContent = x.message; });
  return events.on('account', showAccount);
}

// contactChip is a recipient chip for a contact's fax number: the chip
// shows the name and sends the number.
function contactChip(c) {
  const fax = faxNumber(c);
  const number = fax ? fax.e164 || fax.number : '';
  return { value: number || 'contact:' + c.id, label: c.name, number };
}

// recipientField is one of To, Cc and Bcc: chips and a text box that
// completes contacts' names, companies and numbers.
function recipientField(name, touch) {
  const chips = [];
  const list = h('ul', { class: 'chips' });
  const box = h('input', { id: 'rcpt-' + name, name: 'rcpt-' + name, autocomplete: 'off', role: 'combobox',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'suggest-' + name });
  const suggest = h('ul', { id: 'suggest-' + name, role: 'listbox', class: 'suggest', hidden: true, 'aria-label': t(name) });
  let options = [];
  let active = -1;

  function close() {
    suggest.hidden = true;
    box.setAttribute('aria-expanded', 'false');
    box.removeAttribute('aria-activedescendant');
    options = [];
    active = -1;
  }

  function highlight(i) {
    active = i;
    options.forEach((o, j) => o.el.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) box.setAttribute('aria-activedescendant', options[i].el.id);
  }

  const lookup = debounce(async () => {
    const q = box.value.trim();
    if (q.length < 2 || /^[+\d]/.test(q) && !/[a-z]/i.test(q) && q.length < 4) return close();
    let res;
    try { res = await get('/api/contacts?q=' + encodeURIComponent(q)); } catch { return close(); }
    if (box.value.trim() !== q) return;
    options = (res.contacts || []).filter(faxNumber).slice(0, 8).map((c, i) => {
      const chip = contactChip(c);
      const el = h('li', { role: 'option', id: `opt-${name}-${i}`, 'aria-selected': 'false',
        text: t('contactSuggestion', { name: c.name, company: c.company || '–', number: faxNumber(c).number }),
        on: { mousedown: (e) => e.preventDefault(), click: () => pick(chip) } });
      return { el, chip };
    });
    replace(suggest, options.map((o) => o.el));
    suggest.hidden = !options.length;
    box.setAttribute('aria-expanded', String(options.length > 0));
    highlight(-1);
  }, 150);

  function pick(chip) {
    add(chip);
    box.value = '';
    close();
    box.focus();
  }

  // commit turns what is typed into chips, one per comma-separated number.
  function commit() {
    const text = box.value;
    box.value = '';
    close();
    for (const part of text.split(/[,;]/)) {
      const v = part.trim();
      if (v) add({ value: v, label: v, number: v });
    }
  }

  function add(c) {
    if (chips.some((x) => x.value === c.value)) return;
    const chip = { ...c, state: 'checking' };
    chips.push(chip);
    chip.el = h('li', { class: 'chip' });
    list.append(chip.el);
    draw(chip);
    touch();
    if (!chip.number) return invalid(chip, t('noFaxNumber'));
    price(chip.number).then((p) => {
      chip.state = 'ok';
      chip.info = `${p.country} · ${t('perMinute', { price: p.per_minute, currency: p.currency })}`;
      chip.title = p.number;
      draw(chip);
    }, (e) => invalid(chip, e.message.replace(/^"[^"]*": /, ''))); // the chip shows the number already
  }

  function invalid(chip, reason) {
    chip.state = 'invalid';
    chip.info = reason;
    draw(chip);
  }

  function draw(chip) {
    chip.el.className = 'chip ' + chip.state;
    chip.el.dataset.state = chip.state;
    replace(chip.el,
      h('span', { class: 'chip-label', title: chip.title || null, text: chip.label }),
      h('small', { class: 'chip-info', text: chip.state === 'checking' ? t('checking') : chip.info }),
      h('button', { type: 'button', class: 'link', 'aria-label': t('removeRecipient', { name: chip.label }), text: '×',
        on: { click: () => { remove(chip); box.focus(); } } }));
  }

  function remove(chip) {
    chips.splice(chips.indexOf(chip), 1);
    chip.el.remove();
    touch();
  }

  box.addEventListener('input', () => {
    if (/[,;]/.test(box.value)) commit();
    else lookup();
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && options.length) { e.preventDefault(); highlight((active + 1) % options.length); }
    else if (e.key === 'ArrowUp' && options.length) { e.preventDefault(); highlight((active - 1 + options.length) % options.length); }
    else if (e.key === 'Escape') close();
    else if (e.key === 'Enter') {
      if (active >= 0) { e.preventDefault(); pick(options[active].chip); }
      else if (box.value.trim()) { e.preventDefault(); commit(); }
    } else if (e.key === 'Backspace' && !box.value && chips.length) remove(chips[chips.length - 1]);
  });
  box.addEventListener('blur', commit);

  const el = h('div', { class: 'field recipients', dataset: { field: name } },
    h('label', { for: box.id, text: t(name) }),
    h('div', { class: 'chipbox' }, list, h('div', { class: 'combo' }, box, suggest)));

  return {
    el, chips, add, commit,
    clear: () => { for (const c of [...chips]) remove(c); },
    markInvalid: (input, reason) => {
      const chip = chips.find((c) => c.value === input || c.label === input);
      if (chip) invalid(chip, reason);
    },
  };
}
