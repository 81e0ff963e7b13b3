// Administration: users and roles, the modems' live state, the audit log.
import { t, has } from './strings.js';
import { h, replace, field, form, table, time } from './dom.js';
import { get, post, patch } from './api.js';

export default async function admin({ main, user, events, notify }) {
  if (!user.admin) {
    replace(main, h('h1', { text: t('adminTitle') }), h('p', { class: 'error', id: 'forbidden', text: t('adminOnly') }));
    return;
  }
  const users = h('div', {});
  const modems = h('div', { id: 'modems' });
  const audit = h('div', {});

  async function loadUsers() {
    const res = await get('/api/users');
    replace(users, table(t('users'), [
      { label: t('name'), key: 'name' },
      { label: t('email'), key: 'email' },
      { label: t('role'), cell: (u) => t(u.admin ? 'admin' : 'staff') },
      { label: t('status'), cell: (u) => t(u.disabled ? 'disabled' : 'enabled') },
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
    field(t('name'), h('input', { name: 'name', required: true, autocomplete: 'off' })),
    field(t('email'), h('input', { name: 'email', type: 'email', autocomplete: 'off' })),
    field(t('password'), h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), t('passwordHint')),
    h('div', { class: 'field check' }, h('input', { type: 'checkbox', name: 'admin', id: 'new-admin' }), h('label', { for: 'new-admin', text: t('isAdmin') })),
  ], 'addUser', async (v, f) => {
    await post('/api/users', { name: v.name, email: v.email, password: v.password, admin: v.admin === 'on' });
    notify(t('saved'), 'ok');
    f.reset();
    await loadUsers();
  });

  function showModems(res) {
    replace(modems, table(t('modems'), [
      { label: t('modem'), key: 'name' },
      { label: t('state'), cell: (m) => h('span', { class: 'badge modem-' + m.state.replace(/\s+/g, '-'), dataset: { state: m.state },
        text: has('modem_' + m.state) ? t('modem_' + m.state) : m.state }) },
      { label: t('job'), cell: (m) => m.job ? '#' + m.job : '' },
      { label: t('since'), cell: (m) => time(m.since) },
      { label: t('calls'), key: 'calls' },
      { label: t('detail'), key: 'error' },
    ], res.modems || []));
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

  replace(main, h('h1', { text: t('adminTitle') }),
    h('section', {}, users, addUser), h('section', {}, modems), h('section', {}, audit));
  const failed = (el) => (e) => replace(el, h('p', { class: 'error', text: e.message }));
  await Promise.all([loadUsers().catch(failed(users)), get('/api/modems').then(showModems, failed(modems)),
    loadAudit().catch(failed(audit))]);
  return events.on('modem', showModems);
}
