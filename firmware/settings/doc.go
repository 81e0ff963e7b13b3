// Package settings is the configuration file as the running appliance
// changes it: the installer console and the administration page each read
// it again, change their part, and save it whole (config.Save), one change
// at a time, so that what the other changed is kept. The appliance applies
// the file at its next start, except the default resolution
// (render.resolution): File.Resolution gives it as last saved, and the
// appliance asks it for every new message. Nothing else that runs is
// changed here.
//
// It also translates the file to and from the settings of the JSON API
// (api.Settings), so that the API knows nothing of the file.
package settings
