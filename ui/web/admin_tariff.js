// A tariff change shown before it applies: counts, the destinations
// added, changed and removed (a warning when some lose their price), and
// buttons to confirm or cancel.
import { t } from './strings.js';
import { h, replace } from './dom.js';
import { confirmBar } from './confirm.js';

// shown caps each list; the counts say how many there are in all.
const shown = 50;

// tariffDiff shows in el the diff of a preview answer p ({rates, diff});
// confirm runs when the administrator confirms, and el empties after.
export function tariffDiff(el, title, p, confirm) {
  const d = p.diff;
  const list = (key, items, line) => items.length ? h('details', { class: 'diff-' + key, open: items.length <= 10 },
    h('summary', { text: t('diff' + key[0].toUpperCase() + key.slice(1)) + ' (' + items.length + ')' }),
    h('ul', {}, items.slice(0, shown).map((r) => h('li', { dataset: { prefix: r.prefix }, text: line(r) })),
      items.length > shown ? h('li', { text: '…' }) : null)) : null;
  const rate = (r) => t('diffRate', { name: r.name, prefix: r.prefix, per: r.per_minute || r.old_per_minute });
  const none = !d.added.length && !d.changed.length && !d.removed.length;
  replace(el, h('div', { class: 'card diff', dataset: { added: d.added.length, changed: d.changed.length, removed: d.removed.length } },
    h('h3', { text: title }),
    h('p', { class: 'counts', text: t('tariffDiffCounts', { added: d.added.length, changed: d.changed.length,
      removed: d.removed.length, unchanged: d.unchanged, rates: p.rates }) }),
    none ? h('p', { text: t('nothingChanges') }) : null,
    d.removed.length ? h('p', { class: 'warn', text: t('tariffRemovedWarn', { n: d.removed.length }) }) : null,
    list('added', d.added, rate),
    list('changed', d.changed, (r) => t('diffChange', { name: r.name, prefix: r.prefix, old: r.old_per_minute, per: r.per_minute })),
    list('removed', d.removed, rate),
    confirmBar(el, 'tariff', 'tariffConfirm', 'tariffCancel', confirm)));
}
