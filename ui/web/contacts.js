// Contacts: the address book; a fax number opens Compose addressed to it.
import { t } from './strings.js';
import { h, replace, field, debounce } from './dom.js';
import { get, post, put, del } from './api.js';
import { importPreview } from './contacts_import.js';

const labels = ['fax', 'phone', 'mobile'];

export default async function contacts({ main, notify }) {
  const list = h('div', { class: 'contacts' });
  const editor = h('div', { class: 'editor' });
  const search = h('input', { type: 'search', id: 'contact-search', on: { input: debounce(load, 200) } });
  const importInput = h('input', { type: 'file', id: 'import', accept: '.csv,.vcf,text/csv,text/vcard', class: 'visually-hidden',
    on: { change: importFile } });

  replace(main, h('h1', { text: t('contactsTitle') }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'new-contact', text: t('newContact'), on: { click: () => edit({ numbers: [{ label: 'fax', number: '' }] }) } }),
      h('label', { for: 'import', class: 'button', text: t('import'), title: t('importHint') }), importInput,
      h('a', { class: 'button', href: '/api/contacts/export?format=csv', download: 'contacts.csv', text: t('exportCSV') }),
      h('a', { class: 'button', href: '/api/contacts/export?format=vcard', download: 'contacts.vcf', text: t('exportVCard') })),
    editor,
    field(t('search'), search),
    list);

  async function load() {
    const res = await get('/api/contacts?q=' + encodeURIComponent(search.value.trim()));
    const cs = res.contacts || [];
    replace(list, cs.length ? h('ul', { class: 'cards' }, cs.map(card)) : h('p', { class: 'empty', text: t('noContacts') }));
  }

  function card(c) {
    return h('li', { class: 'card contact', dataset: { contact: c.id } },
      h('h2', { text: c.name }), c.company && h('p', { class: 'company', text: c.company }),
      h('ul', { class: 'numbers' }, (c.numbers || []).map((n, i) => h('li', {},
        h('small', { text: t('label_' + n.label) + ' ' }),
        n.label === 'fax' // this number, not the contact's first
          ? h('a', { href: `#/compose?to=contact:${c.id}:${i}`, 'aria-label': t('faxTo', { number: n.number }), text: n.number })
          : h('span', { text: n.number }),
        n.country && h('small', { text: ' ' + n.country })))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', text: t('edit'), on: { click: () => edit(c) } }),
        h('button', { type: 'button', text: t('remove'), on: { click: () => remove(c) } })));
  }

  function edit(c) {
    const rows = h('ul', { class: 'number-rows' });
    const err = h('p', { class: 'error', role: 'alert' });
    const addRow = (n) => {
      const row = h('li', {},
        field(t('label'), h('select', { name: 'label' }, labels.map((l) => h('option', { value: l, selected: l === n.label, text: t('label_' + l) })))),
        field(t('number'), h('input', { name: 'number', type: 'tel', value: n.number || '' })),
        h('button', { type: 'button', class: 'link', text: t('removeNumber'), on: { click: () => row.remove() } }));
      rows.append(row);
    };
    (c.numbers || []).forEach(addRow);
    const name = h('input', { name: 'name', required: true, value: c.name || '' });
    const company = h('input', { name: 'company', value: c.company || '' });
    const form = h('form', { class: 'card', id: 'contact-form', on: { submit: async (e) => {
      e.preventDefault();
      const body = { name: name.value.trim(), company: company.value.trim(),
        numbers: [...rows.children].map((r) => ({ label: r.querySelector('select').value, number: r.querySelector('input').value.trim() }))
          .filter((n) => n.number) };
      if (!body.name) { err.textContent = t('nameRequired'); return; }
      try {
        if (c.id) await put('/api/contacts/' + c.id, body);
        else await post('/api/contacts', body);
        replace(editor);
        notify(t('saved'), 'ok');
        load();
      } catch (x) {
        err.textContent = x.message;
      }
    } } },
    h('h2', { text: c.id ? t('editContact', { name: c.name }) : t('newContact') }),
    field(t('name'), name), field(t('company'), company),
    h('fieldset', {}, h('legend', { text: t('numbers') }), rows,
      h('button', { type: 'button', text: t('addNumber'), on: { click: () => addRow({ label: 'fax' }) } })),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('save') }),
      h('button', { type: 'button', class: 'link', text: t('cancel'), on: { click: () => replace(editor) } })));
    replace(editor, form);
    name.focus();
  }

  async function remove(c) {
    if (!confirm(t('confirmDelete', { name: c.name }))) return;
    try {
      await del('/api/contacts/' + c.id);
      notify(t('deleted'), 'ok');
      load();
    } catch (x) {
      notify(x.message, 'error');
    }
  }

  // importFile shows what the chosen file would add, update and skip
  // (importPreview), and imports it when confirmed.
  async function importFile() {
    const file = importInput.files[0];
    importInput.value = '';
    if (!file) return;
    const send = (preview) => {
      const fd = new FormData();
      fd.append('file', file);
      return post('/api/contacts/import' + (preview ? '?preview=1' : ''), fd);
    };
    try {
      importPreview(editor, file.name, await send(true), async () => {
        const r = await send(false);
        notify(t('imported', { added: r.added, updated: r.updated, skipped: r.skipped }), 'ok');
        load();
      });
    } catch (x) {
      notify(x.message, 'error');
    }
  }

  await load().catch((e) => replace(list, h('p', { class: 'error', role: 'alert', text: e.message })));
}
