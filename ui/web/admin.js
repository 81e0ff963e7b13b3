// Administration, in sections (#/admin?section=NAME): users with their
// roles and monthly limits; lines (the modems' live state with their last
// call's trace); billing (balance adjustments, the tariff previewed as a
// difference before it applies, earlier versions back in force, the
// ledger); system (version, disk, the front panel, the settings, backup
// and restore); the audit log.
import { t, has } from './strings.js';
import { h, replace, field, form, table, time } from './dom.js';
import { get, post, put, patch, request } from './api.js';
import { ledgerTable } from './ledger.js';
import { tariffDiff } from './admin_tariff.js';

// sections of the page, the first shown by default.
const sections = ['users', 'lines', 'billing', 'system', 'audit'];

// ledgerRows is how many ledger rows the billing section shows.
const ledgerRows = 30;
import { sipAccounts } from './sip.js';

// systemEvery is how often the system panel is refreshed, in ms.
const systemEvery = 3000;

// bytes formats a size in bytes for people.
function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  const i = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  return (n / 1000 ** i).toFixed(i ? 1 : 0) + ' ' + units[i];
}

// dl is a definition list of [label, value] pairs, values as text or nodes.
function dl(cls, pairs) {
  return h('dl', { class: cls }, pairs.filter(Boolean).map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

export default async function admin({ main, user, events, notify, params }) {
  if (!user.admin) {
    replace(main, h('h1', { text: t('adminTitle') }), h('p', { class: 'error', id: 'forbidden', text: t('adminOnly') }));
    return;
  }
  const users = h('div', {});
  const system = h('div', { id: 'system', 'aria-live': 'off' });
  const modems = h('div', { id: 'modems' });
  const modemTrace = h('div', { id: 'modem-trace' });
  const settings = h('div', { id: 'settings' });
  const credit = h('div', { id: 'credit' });
  const tariffs = h('div', { id: 'tariffs' });
  const audit = h('div', {});
  const ledger = h('div', {});
  const backup = h('div', { id: 'backup' });
  let lastModems = { modems: [] };
  let board = null; // the front panel as the system panel last showed it
  let demo = false;

  async function loadUsers() {
    const [res, lim] = await Promise.all([get('/api/users'), get('/api/limits')]);
    const limits = Object.fromEntries((lim.limits || []).map((l) => [l.user, l.monthly]));
    replace(users, table(t('users'), [
      { label: t('displayName'), cell: (u) => {
        const cell = h('span', { class: 'display-name', dataset: { user: u.name } }, h('span', { text: u.display_name || '' }), ' ',
          h('button', { type: 'button', class: 'link rename', text: t('rename'), 'aria-label': t('renameUser', { name: u.name }),
            on: { click: () => rename(u, cell) } }));
        return cell;
      } },
      { label: t('loginName'), key: 'name' },
      { label: t('email'), key: 'email' },
      { label: t('role'), cell: (u) => t(u.admin ? 'admin' : 'staff') },
      { label: t('status'), cell: (u) => [t(u.disabled ? 'disabled' : 'enabled'),
        u.must_change_password ? h('span', { class: 'badge', text: t('mustChangeBadge') }) : null] },
      { label: t('monthlyLimit'), cell: (u) => {
        const cell = h('span', { class: 'limit', dataset: { user: u.name, limit: limits[u.name] || '' } },
          h('span', { text: limits[u.name] ? limits[u.name] + ' ' + lim.currency : t('noLimit') }), ' ',
          h('button', { type: 'button', class: 'link set-limit', text: t('setLimit'),
            on: { click: () => setLimit(u, cell, limits[u.name] || '', lim.currency) } }));
        return cell;
      } },
      { label: t('created'), cell: (u) => time(u.created) },
      { label: '', cell: (u) => {
        if (u.id === user.id) return '';
        const cell = h('span', { class: 'row-actions' },
          h('button', { type: 'button', text: t(u.admin ? 'makeStaff' : 'makeAdmin'), on: { click: () => change(u, { admin: !u.admin }) } }),
          h('button', { type: 'button', text: t(u.disabled ? 'enable' : 'disable'), on: { click: () => change(u, { disabled: !u.disabled }) } }),
          h('button', { type: 'button', text: t('setPassword'), on: { click: () => setPassword(u, cell) } }));
        return cell;
      } },
    ], res.users || []));
  }

  async function change(u, body) {
    try {
      await patch('/api/users/' + u.id, body);
      notify(t('saved'), 'ok');
      await loadUsers();
    } catch (e) {
      notify(e.message, 'error');
    }
  }

  // setLimit puts a small form for the user's monthly limit in place of
  // it; the amount is read as typed ("50,00" is fine).
  function setLimit(u, cell, current, currency) {
    const amount = h('input', { name: 'monthly', value: current, inputmode: 'decimal', autocomplete: 'off',
      'aria-label': t('limitFor', { name: u.name, currency }) });
    replace(cell, form(null, [amount], 'setLimit', async (v) => {
      const r = await put('/api/limits/' + encodeURIComponent(u.name), { monthly: v.monthly.trim() });
      notify(r.monthly ? t('limitSaved', { name: u.name, limit: r.monthly + ' ' + currency }) : t('limitRemoved', { name: u.name }), 'ok');
      await loadUsers();
    }));
    amount.focus();
  }

  // rename puts a small form for the user's full name in place of it;
  // the server checks it as it checks the name users give themselves.
  function rename(u, cell) {
    const name = h('input', { name: 'display_name', value: u.display_name || '', autocomplete: 'off', maxlength: 100,
      'aria-label': t('displayNameFor', { name: u.name }) });
    replace(cell, form(null, [name], 'rename', async (v) => {
      await patch('/api/users/' + u.id, { display_name: v.display_name.trim() });
      notify(t('renamed', { name: u.name }), 'ok');
      await loadUsers();
    }));
    name.focus();
  }

  // setPassword puts a small password form in place of the user's buttons.
  function setPassword(u, cell) {
    const pw = h('input', { type: 'password', name: 'password', required: true, minlength: 8, autocomplete: 'new-password',
      'aria-label': t('newPasswordFor', { name: u.name }) });
    replace(cell, form(null, [pw], 'setPassword', async (v) => {
      await post(`/api/users/${u.id}/password`, { password: v.password });
      notify(t('passwordChanged'), 'ok');
      await loadUsers();
    }));
    pw.focus();
  }

  const addUser = form('addUser', [
    field(t('displayName'), h('input', { name: 'display_name', autocomplete: 'off' }), t('displayNameHint')),
    field(t('loginName'), h('input', { name: 'name', required: true, autocomplete: 'off', pattern: '[^\\s]+' }), t('loginNameHint')),
    field(t('email'), h('input', { name: 'email', type: 'email', autocomplete: 'off' })),
    field(t('password'), h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), t('newUserPasswordHint')),
    h('div', { class: 'field check' }, h('input', { type: 'checkbox', name: 'admin', id: 'new-admin' }), h('label', { for: 'new-admin', text: t('isAdmin') })),
  ], 'addUser', async (v, f) => {
    await post('/api/users', { name: v.name, display_name: v.display_name, email: v.email, password: v.password, admin: v.admin === 'on' });
    notify(t('saved'), 'ok');
    f.reset();
    await loadUsers();
  });

  function showModems(res) {
    lastModems = res;
    const power = (m) => (board && board.power && board.power[m.name]) || null;
    replace(modems, table(t('modems'), [
      { label: t('modem'), key: 'name' },
      { label: t('state'), cell: (m) => h('span', { class: 'badge modem-' + m.state.replace(/\s+/g, '-'), dataset: { state: m.state },
        text: has('modem_' + m.state) ? t('modem_' + m.state) : m.state }) },
      { label: t('job'), cell: (m) => m.job ? '#' + m.job : '' },
      { label: t('since'), cell: (m) => time(m.since) },
      { label: t('calls'), key: 'calls' },
      { label: t('powerCycles'), cell: (m) => {
        const p = power(m);
        if (!p) return '';
        return h('span', { class: 'power-cycles', dataset: { cycles: p.cycles }, title: p.last_error || '',
          text: String(p.cycles) + (p.last_cycle ? ' · ' + time(p.last_cycle) : '') });
      } },
      { label: t('detail'), key: 'error' },
      { label: '', cell: (m) => h('button', { type: 'button', class: 'link trace-button', dataset: { modem: m.name },
        text: t('lastTrace'), on: { click: () => showTrace(m.name) } }) },
    ], res.modems || []), sipAccounts(res.sip));
  }

  // showTrace shows the newest traced call of a modem: its last lines
  // and a link to the whole trace.
  async function showTrace(name) {
    replace(modemTrace, h('p', { text: t('loading') }));
    try {
      const tr = await get('/api/modems/' + encodeURIComponent(name) + '/trace?lines=30');
      replace(modemTrace, h('div', { class: 'card' },
        h('h3', { text: t('traceTitle', { modem: tr.modem, attempt: tr.attempt, job: tr.job, when: time(tr.started) }) }),
        h('pre', { class: 'trace', text: (tr.lines || []).join('\n') }),
        h('a', { href: tr.trace, target: '_blank', rel: 'noopener', class: 'whole-trace', text: t('wholeTrace') })));
    } catch (e) {
      replace(modemTrace, h('p', { class: e.status === 404 ? 'empty' : 'error', text: e.message }));
    }
  }

  // showSystem renders GET /api/system: version, uptime, disk and the
  // front panel (LEDs as dots that are steady or blink as on the board).
  function showSystem(s) {
    board = s.board || null;
    const d = s.disk || {};
    const leds = Object.entries((board && board.leds) || {});
    const power = Object.entries((board && board.power) || {});
    const btn = board && board.button;
    const snd = board && board.sound;
    replace(system, h('h2', { text: t('system') }),
      dl('summary', [
        [t('version'), h('span', { id: 'version', text: s.version })],
        [t('uptime'), h('span', { title: time(s.started), text: s.uptime })],
        [t('diskUsed'), d.limit ? t('ofLimit', { used: bytes(d.used), limit: bytes(d.limit) }) : bytes(d.used)],
        [t('diskFree'), bytes(d.fs_free)],
      ]),
      h('p', { class: 'counts', text: t('diskParts', { sent: bytes(d.sent), received: bytes(d.received), traces: bytes(d.traces), database: bytes(d.database) }) }),
      (d.problems || []).concat(d.error ? [d.error] : []).map((p) => h('p', { class: 'warn', text: p })),
      h('div', { class: 'card panel', id: 'board' },
        h('h3', { text: t(demo ? 'boardSimulated' : 'board') }),
        h('ul', { class: 'leds' }, leds.map(([name, l]) => h('li', { class: 'led-item' },
          h('span', { class: 'led' + (l.lit ? ' lit' : ''), role: 'img', dataset: { led: name, pattern: l.pattern },
            'aria-label': t('ledState', { led: has('led_' + name) ? t('led_' + name) : name, pattern: has('pattern_' + l.pattern) ? t('pattern_' + l.pattern) : l.pattern }) }),
          h('span', { text: (has('led_' + name) ? t('led_' + name) : name) + ': ' + (has('pattern_' + l.pattern) ? t('pattern_' + l.pattern) : l.pattern) })))),
        board && board.led_error ? h('p', { class: 'error', text: board.led_error }) : null,
        dl('totals', [
          btn && [t('cancelButton'), t('buttonPresses', { presses: btn.presses, long: btn.long_presses })],
          ...power.map(([name, p]) => [t('powerOf', { modem: name }),
            h('span', { class: 'power', dataset: { modem: name, cycles: p.cycles },
              text: t(p.powered ? 'poweredOn' : 'poweredOff') + ' · ' + t('cycles', { n: p.cycles }) + (p.last_error ? ' · ' + p.last_error : '') })]),
          snd && [t('lastSound'), (has('sound_' + snd.name) ? t('sound_' + snd.name) : snd.name) + ' · ' + time(snd.at) + (snd.skipped ? ' · ' + t('soundSkipped', { why: snd.skipped }) : '')],
        ])));
    showModems(lastModems);
  }

  async function loadSystem() {
    showSystem(await get('/api/system'));
  }

  // The appliance settings: one form, saved with PUT /api/settings. Each
  // group is [JSON object or '', fields, legend when not the group's];
  // each field [JSON key, label, choices, hint, configuration file key
  // when not group.key]. A choice's text is the string key_choice, if any.
  const settingFields = [
    ['identity', [['fax_number', 'settingFaxNumber'], ['ident', 'settingIdent'], ['header', 'settingHeader'], ['organisation', 'settingOrganisation']]],
    ['', [['country', 'settingCountry']]],
    ['', [['resolution', 'settingResolution', ['standard', 'fine', 'superfine'], 'settingResolutionHint', 'render.resolution']], 'sending'],
    ['dial_plan', [['area_code', 'settingAreaCode'], ['area_dialing', 'settingAreaDialing', ['default', 'full', 'local', 'no-trunk']],
      ['international_prefix', 'settingIntlPrefix'], ['trunk_prefix', 'settingTrunkPrefix'], ['outside_line', 'settingOutsideLine'],
      ['dialing', 'settingDialing', ['tone', 'pulse']]]],
    ['smtp', [['host', 'settingSMTPHost'], ['port', 'settingSMTPPort'], ['username', 'settingSMTPUser'], ['from', 'settingSMTPFrom'], ['starttls', 'settingStartTLS']]],
  ];

  // settingLabels are the fields' labels by configuration file key, to
  // name the settings that PUT /api/settings refuses in plain words.
  const settingLabels = Object.fromEntries(settingFields.flatMap(([group, keys]) =>
    keys.map(([key, label, , , fileKey]) => [fileKey || (group ? group + '.' + key : key), label])));

  async function loadSettings() {
    const res = await get('/api/settings');
    const s = res.settings;
    const value = (group, key) => (group ? s[group][key] : s[key]);
    const control = (group, [key, label, choices, hint]) => {
      const name = group ? group + '.' + key : key;
      const v = value(group, key);
      if (typeof v === 'boolean') {
        return h('div', { class: 'field check' }, h('input', { type: 'checkbox', name, id: 'set-' + name, checked: v }),
          h('label', { for: 'set-' + name, text: t(label) }));
      }
      const choice = (c) => (has(key + '_' + c) ? t(key + '_' + c) : c);
      const input = choices
        ? h('select', { name }, choices.map((c) => h('option', { value: c, text: choice(c), selected: c === v })))
        : h('input', { name, value: String(v ?? ''), type: typeof v === 'number' ? 'number' : 'text', autocomplete: 'off' });
      return field(t(label), input, hint && t(hint));
    };
    const groups = settingFields.map(([group, keys, legend]) => h('fieldset', {},
      h('legend', { text: t('settingsGroup_' + (legend || group || 'line')) }), keys.map((k) => control(group, k))));
    const note = [
      s.smtp.password_set ? h('p', { class: 'hint', text: t('smtpPasswordSet') }) : null,
      h('p', { class: 'hint', text: t('noticesHint') }),
      s.read_only ? h('p', { class: 'warn', id: 'settings-read-only', text: s.read_only }) : null,
    ];
    const f = form('settings', [groups, note], 'saveSettings', async (v) => {
      const body = {};
      for (const [group, keys] of settingFields) {
        const dst = group ? (body[group] = {}) : body;
        for (const [key] of keys) {
          const name = group ? group + '.' + key : key;
          const cur = value(group, key);
          if (typeof cur === 'boolean') dst[key] = v[name] === 'on';
          else if (typeof cur === 'number') dst[key] = Number(v[name]);
          else dst[key] = v[name] ?? '';
        }
      }
      try {
        const r = await put('/api/settings', body);
        notify(r.message || t('saved'), 'ok');
        await loadSettings();
      } catch (e) {
        if (e.body && e.body.problems) {
          throw new Error(e.body.problems.map((p) => (settingLabels[p.key]
            ? t('settingProblem', { setting: t(settingLabels[p.key]), problem: p.error, key: p.key })
            : p.key + ': ' + p.error)).join('; '));
        }
        throw e;
      }
    });
    f.id = 'settings-form';
    replace(settings, f);
  }

  // The balance and its adjustment with a reason.
  async function loadCredit() {
    const a = await get('/api/account');
    demo = !!a.demo;
    const f = form('adjustTitle', [
      dl('summary', [[t('balance'), h('span', { id: 'admin-balance', dataset: { amount: a.balance }, text: a.balance + ' ' + a.currency })],
        [t('available'), a.available + ' ' + a.currency]]),
      field(t('adjustAmount', { currency: a.currency }), h('input', { name: 'amount', required: true, inputmode: 'decimal',
        pattern: '\\s*[-+]?[0-9][0-9 .,]*\\s*', autocomplete: 'off' }), t('adjustHint')),
      field(t('adjustReason'), h('input', { name: 'reason', required: true, autocomplete: 'off' })),
    ], 'adjustSubmit', async (v, fm) => {
      const r = await post('/api/account/adjust', { amount: v.amount.replace(/^\+/, ''), reason: v.reason });
      notify(t('adjusted', { amount: r.amount, currency: r.currency, balance: r.balance }), 'ok');
      fm.reset();
      await Promise.all([loadCredit(), loadLedger()]);
    });
    f.id = 'adjust-form';
    replace(credit, f);
  }

  // The tariff: its versions (each can be put back in force) and the
  // upload of a new one, whole or as an update. Both show what changes
  // (tariffDiff) and apply only when confirmed.
  async function loadTariffs() {
    const res = await get('/api/tariffs/versions');
    const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
    const diff = h('div', { id: 'tariff-diff', 'aria-live': 'polite' });
    const mode = (value, checked) => h('div', { class: 'field check' },
      h('input', { type: 'radio', name: 'mode', value, id: 'tariff-mode-' + value, checked }),
      h('label', { for: 'tariff-mode-' + value, text: t(value === 'update' ? 'tariffModeUpdate' : 'tariffModeReplace') }));
    const upload = form('tariffUpload', [
      field(t('tariffFile'), file, t('tariffHint')),
      h('fieldset', {}, h('legend', { text: t('tariffMode') }), mode('replace', true), mode('update', false)),
      field(t('tariffNote'), h('input', { name: 'note', autocomplete: 'off' })),
    ], 'tariffPreview', async (v) => {
      const body = (preview) => {
        const fd = new FormData();
        fd.append('file', file.files[0]);
        fd.append('note', v.note || '');
        fd.append('mode', v.mode || 'replace');
        fd.append('preview', preview ? '1' : '0');
        return fd;
      };
      const p = await request('POST', '/api/tariffs', body(true));
      tariffDiff(diff, t('tariffDiffTitle'), p, async () => {
        const r = await request('POST', '/api/tariffs', body(false));
        notify(t('tariffImported', { version: r.version, rates: r.rates }), 'ok');
        upload.reset();
        await loadTariffs();
      });
    });
    upload.id = 'tariff-form';
    const reinstate = async (v) => {
      const path = `/api/tariffs/versions/${v.id}/reinstate`;
      const p = await post(path + '?preview=1');
      tariffDiff(diff, t('tariffReinstateTitle', { version: v.id }), p, async () => {
        const r = await post(path);
        notify(t('tariffImported', { version: r.version, rates: r.rates }), 'ok');
        await loadTariffs();
      });
      diff.scrollIntoView({ block: 'nearest' });
    };
    replace(tariffs, h('div', { id: 'tariff-versions' }, table(t('tariffVersions'), [
      { label: t('version'), cell: (v) => h('span', { dataset: { version: v.id }, text: '#' + v.id }) },
      { label: t('effective'), cell: (v) => h('span', { class: 'effective', text: v.since_install ? t('sinceInstall', { when: time(v.effective) }) : time(v.effective) }) },
      { label: t('who'), key: 'who' },
      { label: t('note'), key: 'note' },
      { label: t('status'), cell: (v) => (v.in_force ? h('span', { class: 'badge delivered', text: t('inForce') })
        : h('button', { type: 'button', class: 'reinstate', dataset: { version: v.id }, text: t('reinstate'),
          on: { click: () => reinstate(v).catch((e) => notify(e.message, 'error')) } })) },
    ], (res.versions || []).slice().reverse())), diff, upload);
  }

  async function loadLedger() {
    replace(ledger, h('h2', { text: t('ledgerTitle') }), await ledgerTable(ledgerRows));
  }

  // Backup and restore (GET /api/admin/backup, POST /api/admin/restore):
  // a restore replaces everything, so it asks first.
  function showBackup() {
    const file = h('input', { type: 'file', name: 'file', id: 'restore-file', required: true });
    const confirm = h('div', { id: 'restore-confirm', 'aria-live': 'polite' });
    const restore = form(null, [field(t('restoreFile'), file)], 'restoreSubmit', async () => {
      const f = file.files[0];
      const yes = h('button', { type: 'button', class: 'danger', id: 'restore-yes', text: t('restoreYes') });
      const no = h('button', { type: 'button', text: t('tariffCancel'), on: { click: () => replace(confirm) } });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          const fd = new FormData();
          fd.append('file', f);
          await request('POST', '/api/admin/restore', fd);
          notify(t('restored'), 'ok');
          replace(confirm);
          restore.reset();
        } catch (e) {
          notify(e.message, 'error');
          yes.disabled = false;
        }
      });
      replace(confirm, h('div', { class: 'card warn-card' }, h('p', { class: 'warn', text: t('restoreConfirm', { file: f.name }) }), yes, ' ', no));
    });
    restore.id = 'restore-form';
    replace(backup, h('h2', { text: t('backupTitle') }), h('p', { class: 'hint', text: t('backupHint') }),
      h('a', { class: 'button', id: 'backup-download', href: '/api/admin/backup', download: '', text: t('backupDownload') }),
      restore, confirm);
  }

  async function loadAudit() {
    const res = await get('/api/audit');
    replace(audit, table(t('audit'), [
      { label: t('at'), cell: (e) => time(e.at) },
      { label: t('actor'), key: 'actor' },
      { label: t('action'), key: 'action' },
      { label: t('detail'), key: 'detail' },
    ], res.entries || []));
  }

  const section = sections.includes(params && params.get('section')) ? params.get('section') : sections[0];
  const nav = h('nav', { class: 'sections', 'aria-label': t('adminSections') }, h('ul', {}, sections.map((name) =>
    h('li', {}, h('a', { href: '#/admin?section=' + name, dataset: { section: name }, 'aria-current': name === section ? 'page' : null,
      text: t('section_' + name) })))));
  const failed = (el) => (e) => replace(el, h('p', { class: 'error', text: e.message }));
  const body = {
    users: () => [h('section', {}, users, addUser)],
    lines: () => [h('section', {}, modems, modemTrace)],
    billing: () => [h('section', { class: 'grid' }, credit), h('section', {}, tariffs), h('section', { id: 'ledger' }, ledger)],
    system: () => [h('section', {}, system), h('section', { class: 'grid' }, settings, backup)],
    audit: () => [h('section', {}, audit)],
  }[section]();
  replace(main, h('h1', { text: t('adminTitle') }), nav, h('div', { id: 'admin-' + section, class: 'admin-section' }, body));
  await loadCredit().catch(failed(credit)); // first: it says whether this is the demo
  const load = {
    users: () => loadUsers().catch(failed(users)),
    lines: () => Promise.all([get('/api/modems').then(showModems, failed(modems)), loadSystem().catch(failed(system))]),
    billing: () => Promise.all([loadTariffs().catch(failed(tariffs)), loadLedger().catch(failed(ledger))]),
    system: () => { showBackup(); return Promise.all([loadSystem().catch(failed(system)), loadSettings().catch(failed(settings))]); },
    audit: () => loadAudit().catch(failed(audit)),
  }[section];
  await load();
  let timer = null;
  if (section === 'system' || section === 'lines') timer = setInterval(() => loadSystem().catch(failed(system)), systemEvery);
  const off = events.on('modem', showModems);
  return () => { clearInterval(timer); off(); };
}
