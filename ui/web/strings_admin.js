// The strings of administration, the first-run guide and the contacts
// import, merged into strings.js's table.
export const adminStrings = {
  // Administration sections
  adminSections: 'Administration sections',
  section_users: 'Users', section_lines: 'Lines', section_billing: 'Billing', section_system: 'System', section_audit: 'Audit log',
  displayName: 'Full name', loginName: 'Login name',
  displayNameHint: 'As colleagues and fax recipients read it, for example Anna Admin.',
  loginNameHint: 'What you type to log in: letters, digits and . - _ @ +, no spaces (for example anna).',
  newUserPasswordHint: 'At least 8 characters. They choose their own at their first login.',
  mustChangeBadge: 'must change password',
  rename: 'Change name', renameUser: 'Change the full name of {name}', displayNameFor: 'Full name of {name} (empty: the login name)',
  renamed: 'Full name of {name} saved.',
  monthlyLimit: 'Monthly limit', setLimit: 'Set limit', noLimit: 'none',
  limitFor: 'Monthly limit for {name} ({currency}; empty for none)',
  limitSaved: 'Monthly limit of {name}: {limit}.', limitRemoved: 'Monthly limit of {name} removed.',

  // Amounts
  adjustHint: 'For example 20.00, 20,00 or -5,00.',

  // Tariffs
  tariffHint: 'prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee. You see the changes before they apply.',
  tariffMode: 'The file is',
  tariffModeReplace: 'the whole tariff: destinations it leaves out lose their price',
  tariffModeUpdate: 'an update: it changes and adds its destinations, the others keep their price',
  tariffPreview: 'Show the changes',
  tariffDiffTitle: 'What the new tariff changes',
  tariffReinstateTitle: 'Putting version {version} back in force changes',
  tariffDiffCounts: '{added} added, {changed} changed, {removed} removed, {unchanged} unchanged; {rates} destinations in all.',
  tariffRemovedWarn: '{n} destination(s) will have no price: faxes to them will be refused.',
  diffAdded: 'Added', diffChanged: 'Changed', diffRemoved: 'Removed',
  diffRate: '{name} (+{prefix}): {per} per minute', diffChange: '{name} (+{prefix}): {old} → {per} per minute',
  tariffConfirm: 'Put it in force', tariffCancel: 'Cancel',
  tariffImported: 'Tariff version {version} with {rates} destination(s) is in force.',
  reinstate: 'Put back in force', sinceInstall: 'since installation ({when})',
  nothingChanges: 'Nothing changes.',

  // The ledger
  ledgerFax: 'Fax to {to}', ledgerSubject: '“{subject}”', ledgerCalls: '{n} call(s)', ledgerInCall: '{held} held during the call',
  ledgerNotCharged: 'not charged', kind_topup: 'Credit added', kind_adjustment: 'Adjustment', kind_refund: 'Refund', kind_charge: 'Charge',
  kind_hold: 'Held', kind_release: 'Released',
  ledgerTitle: 'Ledger',

  // Backup
  backupTitle: 'Backup and restore',
  backupHint: 'A backup holds the settings, users, address book, faxes and the ledger. Keep it somewhere safe.',
  backupDownload: 'Download a backup',
  restoreFile: 'Backup file to restore',
  restoreSubmit: 'Restore…',
  restoreConfirm: 'Restoring replaces everything on this Faxbox with the backup’s content: faxes, users, contacts and the ledger written since are lost. Restore {file}?',
  restoreYes: 'Yes, restore it', restored: 'Backup restored.',

  // The default resolution, set in the settings
  settingsGroup_sending: 'Sending',
  settingResolution: 'Default resolution',
  settingResolutionHint: 'New messages are sent at it unless the sender picks another in Compose, by e-mail (number+fine@…) or with faxd submit --resolution. Fine takes up to twice standard’s line time (about 1.5 times for text).',
  settingProblem: '{setting}: {problem} (in the configuration file: {key})',

  // First run
  setupIntro: 'First the administrator’s account: yours. The next steps set up the office’s fax identity, the line and the first colleague.',
  guideTitle: 'Setting up Faxbox',
  guideSteps: 'Setup steps',
  step_account: 'Administrator', step_identity: 'Office', step_line: 'Country and dialling', step_test: 'Test call', step_staff: 'First colleague',
  identityIntro: 'How faxes you send present the office: the header line at the top of each page and the first page.',
  lineIntro: 'The country of the line and how numbers are dialled from it.',
  testIntro: 'Send a one-page test fax to check the line. In the demo it goes to the simulated line’s remote fax machine.',
  testNumber: 'Fax number to call', testSend: 'Send a test fax',
  testSubject: 'Faxbox test fax', testBody: 'This is a test fax from your new Faxbox. If you can read it, sending works.',
  testState: 'Test fax: {state}', testDelivered: 'The test fax was delivered.', testFailed: 'The test fax failed: {reason}',
  staffIntro: 'Add the first colleague. They choose their own password when they first log in.',
  guideNext: 'Save and continue', guideContinue: 'Continue', guideSkip: 'Skip this step', guideFinish: 'Add and finish', guideDone: 'Faxbox is set up.',
  settingsNotKept: 'Not saved: {why}',

  // Contacts import
  importTitle: 'Import {file}',
  importCounts: '{added} to add, {updated} to update, {skipped} already in the address book, {errors} with errors.',
  importAdd: 'Add', importUpdate: 'Update', importSkip: 'Skip (already there)', importError: 'Not imported',
  importConfirm: 'Import', importCancel: 'Cancel',
  imported: 'Imported: {added} added, {updated} updated, {skipped} skipped.',
  importNothing: 'Nothing to import: every contact in the file is already in the address book.',
};
