// Package settings is the configuration file as the running appliance
// changes it: the installer console and the administration page each read
// it again, change their part, and save it whole (config.Save), one change
// at a time, so that what the other changed is kept. The appliance applies
// the file at its next start; this package changes nothing that runs.
//
// It also translates the file to and from the settings of the JSON API
// (api.Settings), so that the API knows nothing of the file.
package settings
