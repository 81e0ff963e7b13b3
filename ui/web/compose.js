// Compose: recipients as chips with their price, subject, body,
// attachments, previews of every page, the cost and the credit, Send.
// The draft (the form and the files) is kept on the appliance as it is
// written (/api/draft), so that leaving the page or reloading it loses
// nothing; Resend in the outbox makes a sent message the draft again.
import { t } from './strings.js';
import { h, replace, field, pageList, debounce } from './dom.js';
import { get, post, put, del, price, faxNumbers, upload, sendBeacon, APIError } from './api.js';
import { resolutionField, showEstimate, clearEstimate, slowPages } from './estimate.js';

const fields = ['to', 'cc', 'bcc'];

// What the appliance faxes, by file name extension and content type; the
// server checks again and has the last word.
const faxableExt = /\.(pdf|png|jpe?g|gif|bmp|tiff?|webp|pbm|txt|text|log|csv|md|asc)$/i;
const faxableType = /^(application\/pdf|image\/(png|jpeg|gif|bmp|tiff|webp)|text\/)/;
// Office documents that an appliance with LibreOffice converts (draft.office).
const convertibleExt = /\.(docx|xlsx|pptx|odt|ods|odp)$/i;
const officeExt = { doc: 'kindWord', docx: 'kindWord', odt: 'kindText', rtf: 'kindText', xls: 'kindSheet', xlsx: 'kindSheet',
  ods: 'kindSheet', ppt: 'kindSlides', pptx: 'kindSlides', odp: 'kindSlides' };

// sizeText writes a size in bytes as people read it, as the server does
// (and file managers: a KB of 1024 bytes).
export function sizeText(n) {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1).replace(/\.0$/, '') + ' MB';
  if (n >= 1 << 10) return Math.round(n / 1024) + ' KB';
  return n + ' bytes';
}

// fileProblem says what is wrong with a file before it is sent to the
// appliance, and what to do, or ''.
function fileProblem(f, maxSize, office) {
  const ext = (f.name.match(/\.([^.]+)$/) || [])[1]?.toLowerCase() || '';
  if (!f.size) return t('fileEmpty', { name: f.name });
  if (maxSize && f.size > maxSize) return t('fileTooLarge', { name: f.name, size: sizeText(f.size), max: sizeText(maxSize) });
  if (faxableExt.test(f.name) || (!ext && faxableType.test(f.type))) return '';
  if (office && convertibleExt.test(f.name)) return '';
  const what = officeExt[ext] ? t(officeExt[ext]) : ext ? t('kindExt', { ext }) : t('kindUnknown');
  return t('fileUnsupported', { name: f.name, what });
}

// saveDraft keeps a draft form {to, cc, bcc: [{value, label, number}],
// subject, body, no_cover, unchecked} on the appliance; its files stay.
export function saveDraft(user, form) {
  return put('/api/draft', form);
}

// legacyDraft is a draft kept in this browser by an earlier version.
function legacyDraft(user) {
  const key = 'faxbox.draft.' + user.id;
  try {
    const d = JSON.parse(localStorage.getItem(key));
    localStorage.removeItem(key);
    return d;
  } catch {
    return null;
  }
}

export default async function compose({ main, user, events, notify, go, params }) {
  // The form is shown at once and filled in when the draft arrives.
  let maxSize = 0;
  let office = false;
  // files: {id, name, size, state: 'ok' | 'uploading' | 'refused', sent, error}
  let files = [];
  const unchecked = new Set();
  let version = 0; // bumped by every change, so a preview knows it is stale
  let previewVersion = -1;
  let ready = false; // the draft is shown: changes are saved from now on

  const formData = () => ({
    ...Object.fromEntries(fields.map((f) => [f, rcpt[f].chips.map(({ value, label, number, unchecked: u }) => ({ value, label, number, unchecked: u || undefined }))])),
    subject: subject.value, body: body.value, no_cover: !cover.checked, unchecked: [...unchecked],
    resolution: resolution.chosen(),
  });
  let saving = Promise.resolve();
  const saveNow = () => {
    if (!ready) return saving;
    const form = formData();
    saving = saving.then(() => saveDraft(user, form)).catch((x) => {
      if (x.status !== 401) notify(t('draftNotSaved', { error: x.message }), 'error'); // signed out: the login page says so
    });
    return saving;
  };
  const saveSoon = debounce(saveNow, 400);

  // touch notes a change: the preview is stale, the draft is saved.
  const touch = () => {
    version++;
    previewNote.hidden = previewVersion < 0 || previewVersion === version;
    if (err.dataset.kind === 'noRecipient' && fields.some((f) => rcpt[f].chips.length)) replace(err);
    if (ready) saveSoon();
  };

  const note = h('p', { class: 'note', id: 'rcpt-note', role: 'status' });
  const others = (name) => fields.filter((f) => f !== name).flatMap((f) => rcpt[f].chips);
  const rcpt = Object.fromEntries(fields.map((f) => [f, recipientField(f, { touch, note, unchecked, others: () => others(f) })]));
  const subject = h('input', { name: 'subject', on: { input: touch } });
  const body = h('textarea', { name: 'body', rows: 8, on: { input: touch } });
  const cover = h('input', { type: 'checkbox', id: 'cover', name: 'cover', checked: true, on: { change: touch } });

  const fileList = h('ul', { class: 'files', id: 'file-list' });
  const supported = h('p', { class: 'hint', id: 'supported' });
  // No "accept": a file the picker hid would go unexplained; any file is
  // taken and the ones that cannot be faxed are refused in words.
  const fileInput = h('input', { type: 'file', id: 'files', multiple: true, class: 'visually-hidden',
    on: { change: () => { addFiles(fileInput.files); fileInput.value = ''; } } });
  const drop = h('div', { class: 'drop' }, h('span', { text: t('dropHere') + ' ' }),
    h('label', { for: 'files', class: 'button', text: t('chooseFiles') }), fileInput,
    supported,
    fileList);

  // addFiles checks each file and uploads those that can be faxed to the
  // draft, showing their progress; the others are listed with the reason.
  function addFiles(list) {
    for (const f of [...list]) {
      const problem = fileProblem(f, maxSize, office);
      const entry = { name: f.name, size: f.size, state: problem ? 'refused' : 'uploading', sent: 0, error: problem };
      files.push(entry);
      if (!problem) send1(entry, f);
    }
    showFiles();
  }
  // One file after the other, so that the draft lists them in the order
  // they were added.
  let queue = Promise.resolve();
  function send1(entry, f) {
    const fd = new FormData();
    fd.append('file', f, f.name);
    entry.upload = queue = queue.then(() => upload('/api/draft/files', fd, (sent, total) => { entry.sent = sent / total; showFiles(); }))
      .then((d) => {
        const known = new Set(files.map((x) => x.id));
        const mine = d.files.find((x) => !known.has(x.id) && x.name === f.name);
        Object.assign(entry, mine, { state: 'ok' });
        if (!files.includes(entry) && entry.id) del('/api/draft/files/' + entry.id).catch(() => {}); // removed meanwhile
      }, (x) => { Object.assign(entry, { state: 'refused', error: x.message }); })
      .finally(() => { showFiles(); touch(); });
  }
  function removeFile(entry) {
    files.splice(files.indexOf(entry), 1);
    if (entry.id) del('/api/draft/files/' + entry.id).catch((x) => notify(x.message, 'error'));
    showFiles();
    touch();
  }
  function showFiles() {
    replace(fileList, files.map((f) => h('li', { class: 'file ' + f.state, dataset: { state: f.state } },
      h('span', { class: 'file-name', text: f.name }), ' ',
      f.state !== 'refused' && h('small', { class: 'file-size', text: f.size_text || sizeText(f.size) }),
      f.state === 'uploading' && h('progress', { max: 1, value: f.sent, 'aria-label': t('uploading', { name: f.name }) }),
      f.state === 'refused' && h('span', { class: 'error', role: 'alert', text: f.error }),
      h('button', { type: 'button', class: 'link', 'aria-label': t('removeFile', { name: f.name }), text: '×',
        on: { click: () => removeFile(f) } }))));
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

  // form builds the multipart body of a preview or a submission: the
  // draft's files go by their ids.
  function form() {
    const fd = new FormData();
    for (const f of fields) fd.append(f, rcpt[f].chips.map((c) => c.value).join(', '));
    fd.append('subject', subject.value);
    fd.append('body', body.value);
    fd.append('resolution', resolution.select.value);
    if (!cover.checked) fd.append('no_cover', '1');
    fd.append('draft_files', files.filter((f) => f.state === 'ok').map((f) => f.id).join(','));
    const used = new Set(fields.flatMap((f) => rcpt[f].chips).map((c) => c.unchecked).filter(Boolean));
    fd.append('unchecked', [...unchecked].filter((n) => used.has(n)).join(','));
    return fd;
  }

  function check() {
    for (const f of fields) rcpt[f].commit();
    const all = fields.flatMap((f) => rcpt[f].chips);
    if (!all.length) {
      err.dataset.kind = 'noRecipient';
      throw new Error(t('noRecipient'));
    }
    err.dataset.kind = '';
    if (all.some((c) => c.state === 'invalid')) throw new Error(t('invalidRecipients'));
    if (files.some((f) => f.state === 'refused')) throw new Error(t('refusedFiles'));
    if (!cover.checked && !files.length) throw new Error(t('noCoverNoFiles'));
  }

  // failed shows an error; numbers the server refused are marked on their chips.
  function failed(e) {
    if (e instanceof APIError && e.body.invalid) {
      for (const bad of e.body.invalid) rcpt[bad.field]?.markInvalid(bad.input, bad.reason, bad.unchecked);
      replace(err, t('invalidRecipients'));
    } else if (e instanceof APIError && e.status === 402) {
      replace(err, t('notEnoughCredit', { error: e.message }));
    } else {
      replace(err, e.message);
    }
  }

  // uploaded waits for the files still being uploaded.
  const uploaded = () => Promise.all(files.map((f) => f.upload).filter(Boolean));

  async function preview() {
    replace(err);
    try {
      await uploaded();
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

  let sent = false;
  async function send(e) {
    e.preventDefault();
    // Enter in a text box completes a recipient or moves on, as in an
    // e-mail program; only the Send button sends.
    if (document.activeElement instanceof HTMLInputElement) return;
    replace(err);
    try {
      sendBtn.disabled = true;
      await uploaded();
      check();
      if (!confirmSlow()) return;
      sendBtn.textContent = t('sending');
      const m = await post('/api/messages', form());
      sent = true;
      await saving;
      await del('/api/draft').catch(() => {});
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

  const discard = h('button', { type: 'button', class: 'link', id: 'discard', text: t('discard'), on: { click: async () => {
    ready = false;
    for (const f of fields) rcpt[f].clear();
    subject.value = body.value = '';
    cover.checked = true;
    resolution.show('');
    unchecked.clear();
    files = [];
    showFiles();
    replace(previews);
    replace(note);
    await saving;
    await del('/api/draft').catch((x) => notify(x.message, 'error'));
    ready = true;
  } } });

  // Files dropped anywhere on the form are attached.
  const over = (on) => (e) => { e.preventDefault(); drop.classList.toggle('over', on); };
  replace(main, h('form', { class: 'compose', on: { submit: send, dragenter: over(true), dragover: over(true), dragleave: over(false),
    drop: (e) => { over(false)(e); addFiles(e.dataTransfer.files); } } },
    h('h1', { text: t('composeTitle') }),
    fields.map((f) => rcpt[f].el),
    note,
    h('small', { class: 'hint', text: t('recipientsHint') }),
    field(t('subject'), subject),
    field(t('body'), body),
    h('fieldset', {}, h('legend', { text: t('attachments') }), drop),
    h('div', { class: 'field check' }, cover, h('label', { for: 'cover', text: t('coverPage') })),
    h('small', { class: 'hint cover-hint', text: t('coverPageHint') }),
    resolution.el,
    h('dl', { class: 'totals' }, h('dt', { text: t('estimate') }), h('dd', {}, estimate),
      h('dt', { text: t('available') }), h('dd', {}, available)),
    err,
    h('div', { class: 'actions' }, previewBtn, sendBtn, discard),
    previewNote, previews));

  let loaded;
  try {
    loaded = await get('/api/draft');
  } catch (x) {
    loaded = { form: null, files: [] };
    notify(x.message, 'error');
  }
  const draft = loaded.form || legacyDraft(user) || {};
  maxSize = loaded.max_size || 0;
  office = !!loaded.office;
  files = (loaded.files || []).map((f) => ({ ...f, state: 'ok' })).concat(files);
  for (const n of draft.unchecked || []) unchecked.add(n);
  supported.textContent = t('supportedFiles', { types: loaded.supported || t('supportedDefault'), max: sizeText(maxSize || 64 << 20) });
  subject.value = draft.subject || '';
  body.value = draft.body || '';
  cover.checked = !draft.no_cover;
  resolution.setDefault(loaded.default_resolution);
  resolution.show(draft.resolution);
  showFiles();
  for (const f of fields) for (const c of draft[f] || []) rcpt[f].add(c);
  const fromParams = [];
  for (const f of fields) {
    for (const v of params.getAll(f)) {
      const m = /^contact:(\d+)(?::(\d+))?$/.exec(v);
      if (m) {
        fromParams.push(get('/api/contacts/' + m[1]).then((c) => {
          const n = m[2] !== undefined ? (c.numbers || [])[Number(m[2])] : faxNumbers(c)[0];
          rcpt[f].add(contactChip(c, n));
        }).catch((x) => notify(x.message, 'error')));
      } else rcpt[f].add({ value: v, label: v, number: v });
    }
  }
  await Promise.all(fromParams);
  ready = true;
  if (params.size || !loaded.form) saveNow();

  const showAccount = (a) => {
    available.textContent = `${a.available} ${a.currency}`;
    available.dataset.amount = a.available;
  };
  get('/api/account').then(showAccount).catch((x) => { available.textContent = x.message; });
  // Leaving the page or closing it keeps the draft.
  const keep = () => {
    if (sent || !ready) return;
    sendBeacon('PUT', '/api/draft', formData());
  };
  const off = events.on('account', showAccount);
  window.addEventListener('pagehide', keep);
  return () => {
    off();
    window.removeEventListener('pagehide', keep);
    if (!sent) saveNow();
  };
}

// contactChip is a recipient chip for one of a contact's fax numbers (the
// first when n is not given): the chip shows the name and sends the number.
function contactChip(c, n) {
  const fax = n || faxNumbers(c)[0];
  const number = fax ? fax.e164 || fax.number : '';
  const several = faxNumbers(c).length > 1;
  return { value: number || 'contact:' + c.id, label: several && fax?.number ? `${c.name} (${fax.number})` : c.name, number };
}

// recipientField is one of To, Cc and Bcc: chips and a text box that
// completes contacts' names, companies and numbers, every fax number of a
// contact its own suggestion. The first suggestion is highlighted, and
// Enter or Tab takes the highlighted one, as in an e-mail program. A
// number already among the recipients (in any spelling: compared in
// E.164) is added once, with a note.
function recipientField(name, { touch, note, unchecked, others }) {
  const chips = [];
  const list = h('ul', { class: 'chips' });
  const box = h('input', { id: 'rcpt-' + name, name: 'rcpt-' + name, autocomplete: 'off', role: 'combobox',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'suggest-' + name });
  const suggest = h('ul', { id: 'suggest-' + name, role: 'listbox', class: 'suggest', hidden: true, 'aria-label': t(name) });
  let options = [];
  let active = -1;
  let pending = null; // the lookup in flight: a promise of the options

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

  // lookup asks for the contacts matching what is typed and shows them.
  async function lookup() {
    const q = box.value.trim();
    if (q.length < 2 || /^[+\d]/.test(q) && !/[a-z]/i.test(q) && q.length < 4) return close();
    let res;
    try { res = await get('/api/contacts?q=' + encodeURIComponent(q)); } catch { return close(); }
    if (box.value.trim() !== q) return;
    options = (res.contacts || []).flatMap((c) => faxNumbers(c).map((n) => ({ c, n }))).slice(0, 8).map(({ c, n }, i) => {
      const chip = contactChip(c, n);
      const el = h('li', { role: 'option', id: `opt-${name}-${i}`, 'aria-selected': 'false', dataset: { number: n.e164 || n.number },
        text: t('contactSuggestion', { name: c.name, company: c.company || '–', number: n.number }),
        on: { mousedown: (e) => e.preventDefault(), click: () => pick(chip) } });
      return { el, chip };
    });
    replace(suggest, options.map((o) => o.el));
    suggest.hidden = !options.length;
    box.setAttribute('aria-expanded', String(options.length > 0));
    highlight(options.length ? 0 : -1);
  }
  const later = debounce(() => { pending = lookup().finally(() => { pending = null; }); }, 150);

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

  // duplicate returns the chip, in any field, that has chip's number.
  const duplicate = (chip) => [...chips, ...others()].find((x) => x !== chip && x.e164 && x.e164 === chip.e164);

  function add(c) {
    if (chips.some((x) => x.value === c.value)) return sameNumber(c, chips.find((x) => x.value === c.value));
    const chip = { ...c, state: 'checking' };
    chips.push(chip);
    chip.el = h('li', { class: 'chip' });
    list.append(chip.el);
    draw(chip);
    touch();
    if (!chip.number) return invalid(chip, t('noFaxNumber'));
    check(chip, c.unchecked || (unchecked.has(chip.number) ? chip.number : ''));
  }

  // check prices the chip's number, which tells whether it is valid.
  function check(chip, insist) {
    const p = insist ? get('/api/price?unchecked=1&number=' + encodeURIComponent(chip.number)) : price(chip.number);
    p.then((p) => {
      if (!chips.includes(chip)) return;
      chip.e164 = p.e164;
      const dup = duplicate(chip);
      if (dup) {
        remove(chip);
        return sameNumber(chip, dup);
      }
      chip.state = insist ? 'unchecked' : 'ok';
      chip.unchecked = insist ? p.e164 : '';
      chip.info = (insist ? t('uncheckedInfo') + ' · ' : '') + `${p.country} · ${t('perMinute', { price: p.per_minute, currency: p.currency })}`;
      chip.title = p.number;
      draw(chip);
    }, (e) => invalid(chip, e.message.replace(/^"[^"]*": /, ''), e.body?.unchecked)); // the chip shows the number already
  }

  function sameNumber(chip, kept) {
    replace(note, t('duplicateNumber', { typed: chip.label, kept: kept.label }));
  }

  // invalid marks a chip refused; a number that looks right but that no
  // numbering plan knows can be sent to anyway, after a warning.
  function invalid(chip, reason, insist) {
    chip.state = 'invalid';
    chip.info = reason;
    chip.override = insist || '';
    draw(chip);
  }

  function draw(chip) {
    chip.el.className = 'chip ' + chip.state;
    chip.el.dataset.state = chip.state;
    replace(chip.el,
      h('span', { class: 'chip-label', title: chip.title || null, text: chip.label }),
      h('small', { class: 'chip-info', text: chip.state === 'checking' ? t('checking') : chip.info }),
      chip.state === 'invalid' && chip.override && h('button', { type: 'button', class: 'link send-anyway', title: t('sendAnywayWarning'),
        text: t('sendAnyway'), on: { click: () => {
          unchecked.add(chip.override);
          chip.state = 'checking';
          draw(chip);
          check(chip, chip.override);
          touch();
        } } }),
      h('button', { type: 'button', class: 'link', 'aria-label': t('removeRecipient', { name: chip.label }), text: '×',
        on: { click: () => { remove(chip); box.focus(); } } }));
  }

  function remove(chip) {
    chips.splice(chips.indexOf(chip), 1);
    chip.el.remove();
    if (chip.unchecked) unchecked.delete(chip.unchecked);
    touch();
  }

  // take takes the highlighted suggestion, waiting for the lookup of a
  // name still being typed; it returns whether it took one.
  async function take() {
    if (!options.length && /[a-z]/i.test(box.value)) {
      later();
      await new Promise((r) => setTimeout(r, 160));
      await pending;
      if (options.length && active < 0) highlight(0);
    }
    if (active < 0) return false;
    pick(options[active].chip);
    return true;
  }

  box.addEventListener('input', () => {
    if (/[,;]/.test(box.value)) commit();
    else later();
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && options.length) { e.preventDefault(); highlight((active + 1) % options.length); }
    else if (e.key === 'ArrowUp' && options.length) { e.preventDefault(); highlight((active - 1 + options.length) % options.length); }
    else if (e.key === 'Escape') close();
    else if ((e.key === 'Enter' || e.key === 'Tab') && box.value.trim()) {
      e.preventDefault();
      take().then((took) => { if (!took) commit(); });
    } else if (e.key === 'Backspace' && !box.value && chips.length) remove(chips[chips.length - 1]);
  });
  // Leaving the box keeps what was typed, unless a suggestion is being chosen.
  box.addEventListener('blur', () => { if (options.length) close(); else commit(); });

  const el = h('div', { class: 'field recipients', dataset: { field: name } },
    h('label', { for: box.id, text: t(name) }),
    h('div', { class: 'chipbox' }, list, h('div', { class: 'combo' }, box, suggest)));

  return {
    el, chips, add, commit,
    clear: () => { for (const c of [...chips]) remove(c); },
    markInvalid: (input, reason, insist) => {
      const chip = chips.find((c) => c.value === input || c.label === input);
      if (chip) invalid(chip, reason, insist);
    },
  };
}
