// A contacts import shown before it is made: how many contacts the file
// adds, updates (new numbers for a contact already there) and skips, the
// rows with errors, and buttons to import or cancel.
import { t } from './strings.js';
import { h, replace } from './dom.js';
import { confirmBar } from './confirm.js';

// importPreview shows in el the answer p of POST
// /api/contacts/import?preview=1 for the file name; confirm imports.
export function importPreview(el, name, p, confirm) {
  const label = { add: 'importAdd', update: 'importUpdate', skip: 'importSkip' };
  const nothing = !p.added && !p.updated;
  replace(el, h('div', { class: 'card', id: 'import-preview', dataset: { added: p.added, updated: p.updated, skipped: p.skipped, errors: p.errors.length } },
    h('h2', { text: t('importTitle', { file: name }) }),
    h('p', { class: 'counts', text: t('importCounts', { added: p.added, updated: p.updated, skipped: p.skipped, errors: p.errors.length }) }),
    nothing ? h('p', { class: 'hint', text: t('importNothing') }) : null,
    h('ul', { class: 'import-rows' },
      p.rows.map((r) => h('li', { dataset: { action: r.action } },
        h('span', { class: 'badge', text: t(label[r.action]) }), ' ',
        [r.name, r.company, (r.new || []).join(', ')].filter(Boolean).join(' · '))),
      p.errors.map((e) => h('li', { dataset: { action: 'error' } },
        h('span', { class: 'badge failed', text: t('importError') }), ' ', `${e.row}: ${e.name ? e.name + ': ' : ''}${e.error}`))),
    confirmBar(el, 'import', 'importConfirm', 'importCancel', confirm, nothing)));
}
