// The estimate of a fax on the compose page: the resolution it is sent
// at, the cost and line time per recipient and in total, the time of
// each page, and a warning when a page takes more than a minute.
import { t, has } from './strings.js';
import { h, replace, field } from './dom.js';

// slowPageSeconds: pages that take longer are warned about before sending.
export const slowPageSeconds = 60;

// resolutionField is the resolution choice: one of the three fax
// resolutions (each roughly doubles the line time of the one before).
// Until setDefault names the office's default (render.resolution, which
// GET /api/draft gives), an "Office default" choice leaves it to the
// appliance; after, the default is chosen and marked. onChange is called
// when the choice changes. show(r) shows a draft's choice, "" for none;
// chosen() is the choice to keep in the draft, undefined when the sender
// left the default, so that the draft follows a change of the setting.
export function resolutionField(onChange) {
  let byDefault = true; // the sender has not chosen
  let def = ''; // the office's default, when known
  const option = (r) => h('option', { value: r, text: t('resolution_' + (r || 'default')) });
  const select = h('select', { name: 'resolution', id: 'resolution', on: { change: () => {
    byDefault = !select.value; // "Office default", or no option at all
    if (byDefault) select.value = def;
    onChange();
  } } }, ['', 'standard', 'fine', 'superfine'].map(option));
  const show = (r) => {
    byDefault = !r;
    select.value = r || def;
  };
  const setDefault = (r) => {
    const o = r && select.querySelector(`option[value="${r}"]`);
    if (!o) return;
    def = r;
    select.querySelector('option[value=""]')?.remove();
    o.textContent = t('resolutionOfficeDefault', { resolution: t('resolution_' + r) });
    if (byDefault) select.value = r;
  };
  const chosen = () => (byDefault ? undefined : select.value);
  return { select, show, setDefault, chosen, el: field(t('resolution'), select, t('resolutionHint')) };
}

// duration formats seconds as "1 min 05 s" or "42 s".
export function duration(s) {
  s = Math.round(s);
  return s >= 60 ? t('minutesSeconds', { m: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') }) : t('seconds', { s });
}

// slowPages returns the 1-based numbers of the pages of an estimate that
// take more than slowPageSeconds.
export function slowPages(est) {
  return (est?.page_seconds || []).map((s, i) => [s, i + 1]).filter(([s]) => s > slowPageSeconds).map(([, n]) => n);
}

// showEstimate fills the estimate box from a preview's answer res:
// total, resolution, per recipient and per page.
export function showEstimate(box, res) {
  const est = res.estimates || {};
  const rcpts = est.recipients || [];
  const slow = slowPages(est);
  box.dataset.amount = res.estimate;
  box.dataset.resolution = est.resolution || '';
  box.dataset.seconds = est.seconds || 0;
  replace(box,
    h('span', { class: 'estimate-total', text: t('estimateTotal', { cost: `${res.estimate} ${res.currency}`,
      time: duration(est.seconds || 0), resolution: t('resolution_' + (est.resolution || 'default')) }) }),
    rcpts.length > 1 && h('ul', { class: 'estimate-recipients' }, rcpts.map((r) => h('li', { dataset: { number: r.number, amount: r.estimate },
      text: t('estimateRecipient', { who: r.name || r.display || r.number, cost: `${r.estimate} ${res.currency}`, time: duration(r.seconds) }) + learned(r) + lowered(r) }))),
    rcpts.length === 1 && learned(rcpts[0]) && h('small', { class: 'estimate-learned', text: learned(rcpts[0]).trim() }),
    rcpts.length === 1 && lowered(rcpts[0]) && h('small', { class: 'estimate-receiver', text: lowered(rcpts[0]).trim() }),
    (est.page_seconds || []).length > 0 && h('small', { class: 'estimate-pages', text: t('estimatePages', {
      times: est.page_seconds.map((s, i) => t('pageTime', { n: i + 1, time: duration(s) })).join(' · ') }) }),
    slow.length > 0 && h('p', { class: 'warn slow-pages', role: 'alert', text: t('slowPages', { pages: slow.join(', '), limit: slowPageSeconds }) }));
}

// learned says, for a recipient estimated slower than a modern fax
// machine (14400 bit/s with error correction), what the estimate
// assumed: how the last call to that number went; "" otherwise.
function learned(r) {
  if (!r.assumed_rate || (r.assumed_rate >= 14400 && r.assumed_ecm)) return '';
  return ' ' + t(r.assumed_ecm ? 'estimateLearned' : 'estimateLearnedNoECM', { rate: r.assumed_rate });
}

// lowered says, for a recipient whose fax machine announced less than
// the message's resolution in the last call to it, the resolution its
// pages go at (rows merged; the estimate is for those); "" otherwise.
function lowered(r) {
  const key = 'estimateReceiver_' + r.receiver_resolution;
  return r.receiver_resolution && has(key) ? ' ' + t(key) : '';
}

// clearEstimate forgets an estimate (after a failed preview: the old one
// is no longer the message's).
export function clearEstimate(box) {
  delete box.dataset.amount;
  delete box.dataset.resolution;
  delete box.dataset.seconds;
  replace(box, t('estimateUnknown'));
}
