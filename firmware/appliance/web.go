package appliance

import (
	"context"
	"io"
	"time"

	"faxbox/board"
	"faxbox/firmware/api"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/panel"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
	"faxbox/ui"
)

// openWeb builds the submission of messages, the JSON API and the web UI and opens their listeners:
// HTTPS on web.listen with a plain-HTTP redirect; the demo serves HTTPS
// on loopback only. Browsers sign in with sessions; scripts use the API
// token, if any.
func (a *App) openWeb(ctx context.Context) (err error) {
	auth := &ui.SessionAuth{Users: a.accounts}
	if a.token != "" {
		auth.Token = &api.TokenAuth{Token: a.token, Principal: api.Principal{User: a.user, Admin: true}}
	}
	res, err := defaultResolution(a.cfg)
	if err != nil {
		return err
	}
	a.sub, err = submission.New(submission.Config{Store: a.st, Ledger: a.led, Renderer: a.renderers,
		MaxAttempts: a.cfg.Retry.Attempts, Logger: a.log, Resolution: res})
	if err != nil {
		return err
	}
	var incoming func(context.Context) error
	if a.caller != nil {
		incoming = a.caller.Incoming
	}
	a.apiSrv, err = api.New(api.Config{Store: a.st, Ledger: a.led, Renderer: a.renderers, Submitter: a.sub,
		PreviewsPerMinute: a.cfg.Render.PreviewsPerMinute, Numbers: a.parser, Auth: auth,
		From:         render.Party{Organisation: a.cfg.Identity.Organisation, Fax: a.cfg.Identity.FaxNumber},
		StationIdent: a.cfg.Identity.Ident,
		MaxAttempts:  a.cfg.Retry.Attempts, Demo: a.cfg.Demo, Logger: a.log,
		Modems: a.pool.Status, SIP: a.sipStatus, Bus: a.bus, Contacts: a.book, System: systemStatus(a.o.Version, a.keeper, a.hw),
		DemoIncoming: incoming, Audit: a.accounts.Record, Settings: a.cfgFile.APISettings,
		SaveSettings: a.cfgFile.SaveAPISettings, DefaultResolution: a.cfgFile.Resolution, WireLog: lastWireLog(a.st),
		ForwardFax: a.forwardFax, People: people(a.accounts),
		Backup:  func(ctx context.Context, w io.Writer) error { _, err := a.writeBackup(ctx, w); return err },
		Restore: a.stageRestore})
	if err != nil {
		return err
	}
	a.onClose(func() error { a.apiSrv.Close(); return nil }) // ends the event streams, which Shutdown does not wait for
	listen, redirect := a.cfg.Web.Listen, a.cfg.Web.RedirectHTTP
	if a.cfg.Demo {
		listen, redirect = []string{DefaultListen}, ""
	}
	if a.o.Listen != "" {
		listen = []string{a.o.Listen}
	}
	a.web, err = ui.New(ui.Config{Users: a.accounts, Auth: auth, API: a.apiSrv, Listen: listen, RedirectHTTP: redirect,
		TLSCert: a.cfg.Web.TLSCert, TLSKey: a.cfg.Web.TLSKey, DataDir: a.dir, ShutdownGrace: shutdownGrace, Logger: a.log})
	if err != nil {
		return err
	}
	return a.web.Listen()
}

// webURLs are the web UI's addresses as the console shows them.
func webURLs(web *ui.Server) []string {
	var out []string
	for _, a := range web.Addrs() {
		out = append(out, "https://"+a.String()+"/")
	}
	return out
}

// started is when faxd started, for the uptime.
var started = time.Now()

// systemJSON is GET /api/system's answer.
type systemJSON struct {
	Version string         `json:"version"`
	Started time.Time      `json:"started"`
	Uptime  string         `json:"uptime"`
	Disk    diskJSON       `json:"disk"`
	Board   board.Snapshot `json:"board"`
}

// diskJSON is the data directory's use as the last housekeeping run found
// it, in bytes.
type diskJSON struct {
	Sent       int64     `json:"sent"`
	Received   int64     `json:"received"`
	Traces     int64     `json:"traces"`
	Database   int64     `json:"database"`
	Used       int64     `json:"used"`
	Limit      int64     `json:"limit"` // 0: none
	FSSize     int64     `json:"fs_size"`
	FSFree     int64     `json:"fs_free"`
	NearlyFull bool      `json:"nearly_full"`
	OverLimit  bool      `json:"over_limit"`
	Problems   []string  `json:"problems,omitempty"`
	LastRun    time.Time `json:"last_run,omitzero"`
	Error      string    `json:"error,omitempty"`
}

// systemStatus describes the appliance for the administration page.
func systemStatus(version string, keeper *housekeep.Keeper, hw *panel.Hardware) func(ctx context.Context) any {
	return func(ctx context.Context) any {
		ks := keeper.Status()
		d := diskJSON{Sent: ks.Usage.Sent, Received: ks.Usage.Received, Traces: ks.Usage.Traces, Database: ks.Usage.Database,
			Used: ks.Used, Limit: ks.Limit, FSSize: ks.FS.Size, FSFree: ks.FS.Free, NearlyFull: ks.NearlyFull,
			OverLimit: ks.OverLimit, Problems: ks.Problems, LastRun: ks.LastRun}
		if ks.Err != nil {
			d.Error = ks.Err.Error()
		}
		return systemJSON{Version: version, Started: started.UTC(), Uptime: time.Since(started).Round(time.Second).String(),
			Disk: d, Board: hw.Snapshot()}
	}
}
