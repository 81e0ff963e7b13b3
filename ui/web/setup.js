// The first-run setup guide, after the administrator's account (app.js's
// setup page): the office's identity on faxes, the country and dial plan,
// a test call, and the first colleague. Each step can be skipped; the
// settings steps save with PUT /api/settings (the demo cannot keep them
// and says so).
import { t } from './strings.js';
import { h, replace, field, form } from './dom.js';
import { get, post, put, request } from './api.js';

const steps = ['account', 'identity', 'line', 'test', 'staff'];

// demoLine is the demo's simulated remote fax machine, which answers.
const demoLine = '+32 2 555 12 12';

// pollEvery is how often the test call's state is asked for, in ms.
const pollEvery = 1000;

// loginFrom fills login with a login name made from the display name
// ("Anna Admin" gives "anna") until the user types a login name.
export function loginFrom(display, login) {
  login.addEventListener('input', () => { login.dataset.edited = '1'; });
  display.addEventListener('input', () => {
    if (login.dataset.edited) return;
    const first = display.value.trim().split(/\s+/)[0] || '';
    login.value = first.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}._@+-]/gu, '');
  });
}

export default async function guide({ main, user, notify, go, params }) {
  if (!user.admin) return go('compose');
  const step = steps.includes(params.get('step')) ? params.get('step') : 'identity';
  const next = () => go(step === 'staff' ? 'compose' : 'welcome?step=' + steps[steps.indexOf(step) + 1]);
  const progress = h('ol', { class: 'steps', 'aria-label': t('guideSteps') }, steps.map((s, i) => h('li', {
    class: i < steps.indexOf(step) ? 'done' : null, 'aria-current': s === step ? 'step' : null, dataset: { step: s }, text: t('step_' + s) })));
  const skip = h('button', { type: 'button', class: 'link', id: 'guide-skip', text: t('guideSkip'), on: { click: next } });
  const body = h('div', { id: 'guide-' + step });
  replace(main, h('div', { class: 'narrow guide' }, h('h1', { text: t('guideTitle') }), progress, body, skip));
  const [account, settings] = await Promise.all([get('/api/account'), get('/api/settings').catch(() => null)]);
  const s = settings && settings.settings;
  ({ identity: identityStep, line: lineStep, test: testStep, staff: staffStep }[step] || identityStep)(
    { body, s, demo: !!account.demo, next, notify, go });
  const first = body.querySelector('input');
  if (first) first.focus();
}

// saveSettings saves part of the settings; when the appliance cannot keep
// them (the demo) it shows why and a button to go on.
async function saveSettings(body, part, next) {
  try {
    await put('/api/settings', part);
    next();
  } catch (e) {
    if (e.status !== 409) {
      if (e.body && e.body.problems) throw new Error(e.body.problems.map((p) => p.key + ': ' + p.error).join('; '));
      throw e;
    }
    body.querySelector('#guide-not-kept')?.remove();
    body.append(h('div', { class: 'card', id: 'guide-not-kept' }, h('p', { class: 'warn', text: t('settingsNotKept', { why: e.message }) }),
      h('button', { type: 'button', class: 'primary', id: 'guide-continue', text: t('guideContinue'), on: { click: next } })));
  }
}

function text(name, label, value, hint, attrs = {}) {
  return field(t(label), h('input', { name, value: value ?? '', autocomplete: 'off', ...attrs }), hint && t(hint));
}

function identityStep({ body, s, next }) {
  const id = (s && s.identity) || {};
  const f = form(null, [h('p', { text: t('identityIntro') }),
    text('fax_number', 'settingFaxNumber', id.fax_number, null, { type: 'tel', required: true }),
    text('organisation', 'settingOrganisation', id.organisation, null, { required: true }),
    text('header', 'settingHeader', id.header),
  ], 'guideNext', (v) => saveSettings(body, { identity: { fax_number: v.fax_number.replace(/[\s.()/-]/g, ''),
    organisation: v.organisation.trim(), header: v.header.trim(), ident: v.fax_number.trim().slice(0, 20) } }, next));
  f.id = 'guide-identity-form';
  replace(body, h('h2', { text: t('step_identity') }), f);
}

function lineStep({ body, s, next }) {
  const dp = (s && s.dial_plan) || {};
  const f = form(null, [h('p', { text: t('lineIntro') }),
    text('country', 'settingCountry', s && s.country, null, { required: true, maxlength: 2, autocapitalize: 'characters' }),
    text('area_code', 'settingAreaCode', dp.area_code),
    text('international_prefix', 'settingIntlPrefix', dp.international_prefix),
    text('trunk_prefix', 'settingTrunkPrefix', dp.trunk_prefix),
    text('outside_line', 'settingOutsideLine', dp.outside_line),
  ], 'guideNext', (v) => saveSettings(body, { country: v.country.trim().toUpperCase(), dial_plan: { area_code: v.area_code.trim(),
    international_prefix: v.international_prefix.trim(), trunk_prefix: v.trunk_prefix.trim(), outside_line: v.outside_line.trim() } }, next));
  f.id = 'guide-line-form';
  replace(body, h('h2', { text: t('step_line') }), f);
}

// testStep sends a one-page test fax and follows it until it is
// delivered or fails.
function testStep({ body, demo, next }) {
  const state = h('p', { id: 'guide-test-state', 'aria-live': 'polite' });
  const f = form(null, [h('p', { text: t('testIntro') }),
    text('number', 'testNumber', demo ? demoLine : '', null, { type: 'tel', required: true }),
  ], 'testSend', async (v) => {
    const fd = new FormData();
    fd.append('to', v.number);
    fd.append('subject', t('testSubject'));
    fd.append('body', t('testBody'));
    const m = await request('POST', '/api/messages', fd);
    for (;;) {
      const cur = await get('/api/messages/' + m.id);
      const j = cur.jobs[0];
      state.dataset.state = j.state;
      if (j.state === 'delivered') {
        replace(state, h('span', { class: 'ok', text: t('testDelivered') }), ' ',
          h('button', { type: 'button', class: 'primary', id: 'guide-continue', text: t('guideContinue'), on: { click: next } }));
        return;
      }
      if (j.state === 'failed' || j.state === 'cancelled') {
        state.textContent = t('testFailed', { reason: j.reason_text || j.reason || j.state });
        return;
      }
      state.textContent = t('testState', { state: j.state });
      await new Promise((r) => setTimeout(r, pollEvery));
      if (!body.isConnected) return;
    }
  }, state);
  f.id = 'guide-test-form';
  replace(body, h('h2', { text: t('step_test') }), f);
}

function staffStep({ body, notify, go }) {
  const display = h('input', { name: 'display_name', autocomplete: 'off' });
  const login = h('input', { name: 'name', required: true, autocomplete: 'off', pattern: '[^\\s]+' });
  loginFrom(display, login);
  const f = form(null, [h('p', { text: t('staffIntro') }),
    field(t('displayName'), display, t('displayNameHint')),
    field(t('loginName'), login, t('loginNameHint')),
    text('email', 'email', '', null, { type: 'email' }),
    field(t('password'), h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }),
      t('newUserPasswordHint')),
  ], 'guideFinish', async (v) => {
    await post('/api/users', { name: v.name, display_name: v.display_name, email: v.email, password: v.password, admin: false });
    notify(t('guideDone'), 'ok');
    go('compose');
  });
  f.id = 'guide-staff-form';
  replace(body, h('h2', { text: t('step_staff') }), f);
}
