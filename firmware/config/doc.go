// Package config reads, checks and writes the configuration file of a
// Faxbox appliance.
//
// It provides:
//
//   - Config, every setting of the appliance grouped by subsystem (identity,
//     country and dial plan, modems, web UI, SMTP relay, fax by e-mail,
//     billing, retries, retention, board, installer console, logging), with
//     the defaults that Default returns documented on each field;
//   - Load and Parse, which read TOML (github.com/pelletier/go-toml/v2),
//     reject unknown keys so that a typo is never silently ignored, apply
//     the defaults for every key the file leaves out, and run Validate;
//   - Validate, which checks every setting and reports all problems at once
//     (errors.Join of *FieldError), each naming its key the way it is
//     written in the file ("modems[1].flow", counting array elements from
//     0) and, after Load, its line;
//   - Marshal and Save, which write a Config back as TOML (Save atomically),
//     for the console and the web UI;
//   - the value types the file uses for what TOML has no type for:
//     Duration ("90s"), Money ("10.00"), TimeRange ("08:00-18:00"),
//     DiskLimit ("80%", "4GiB") and Line (a GPIO line by name or offset).
//
// faxbox.example.toml, next to this file, lists every key with its default
// and what it means; a test keeps it complete.
//
// The package does no I/O besides reading and writing the file itself: it
// does not open the modems, TLS certificates, password or tariff files it
// names; the subsystems that use them report their own errors.
package config
