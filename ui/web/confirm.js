// The confirm and cancel buttons under a preview (a tariff change, a
// contacts import): confirm runs the action and empties the preview, or
// shows why it failed; cancel empties it.
import { t } from './strings.js';
import { h, replace } from './dom.js';

// confirmBar returns [the error line, the buttons] for the preview in el;
// id names the buttons id-confirm and id-cancel.
export function confirmBar(el, id, yesLabel, noLabel, action, disabled = false) {
  const err = h('p', { class: 'error', role: 'alert' });
  const yes = h('button', { type: 'button', class: 'primary', id: id + '-confirm', text: t(yesLabel), disabled });
  const no = h('button', { type: 'button', id: id + '-cancel', text: t(noLabel), on: { click: () => replace(el) } });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await action();
      replace(el);
    } catch (e) {
      err.textContent = e.message;
      yes.disabled = false;
    }
  });
  return [err, h('div', { class: 'actions' }, yes, no)];
}
