import { t } from './strings.js';

// Small DOM helpers: every element is built with h(), never from HTML
// strings, so nothing a user typed can become markup.

// h creates an element. attrs: "class", "text", "on" ({event: fn}),
// "dataset" ({key: value}), boolean and string attributes; children are
// nodes, strings, or arrays of them (null and false are skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'value' || k === 'checked' || k === 'disabled') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// replace empties el and puts children in.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// field is a labelled form control: a label above the input it names.
let fieldSeq = 0;
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f' + (++fieldSeq));
  let hintEl = null;
  if (hint) {
    hintEl = h('small', { class: 'hint', id: id + '-hint', text: hint });
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, hintEl);
}

// table renders rows (objects) with columns [{key, label, cell?}].
export function table(caption, columns, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', {}, c.cell ? c.cell(r) : String(r[c.key] ?? ''))))))));
}

// time formats an RFC 3339 time for people, in local time.
export function time(s, withDate = true) {
  if (!s) return '';
  const d = new Date(s);
  return withDate ? d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })
    : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// debounce calls fn once input has settled for ms.
export function debounce(fn, ms) {
  let timer;
  return (...a) => { clearTimeout(timer); timer = setTimeout(() => fn(...a), ms); };
}

// form is a small card form whose errors show under its fields; action
// gets the form's values and the form.
export function form(title, fields, submit, action, ...extra) {
  const err = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: t(submit) });
  const f = h('form', { class: 'card', on: { submit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    button.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(f)), f);
    } catch (x) {
      err.textContent = x.message;
    } finally {
      button.disabled = false;
    }
  } } }, title && h('h2', { text: t(title) }), fields, err, button, extra);
  return f;
}

// pageList shows fax pages as images, each a link to its full size.
export function pageList(urls) {
  return h('ol', { class: 'pages' }, urls.map((src, i) => h('li', {},
    h('a', { href: src, target: '_blank', rel: 'noopener' }, h('img', { src, alt: t('previewPage', { n: i + 1 }) })))));
}
