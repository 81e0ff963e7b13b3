package appliance

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"

	"faxbox/internal/sdnotify"
)

// watchdog is the service that tells systemd the appliance is ready and,
// while the modem pool, the store and the web server answer, alive
// (sdnotify.Watchdog); nil when Options.Notify is not set.
func (a *App) watchdog() *sdnotify.Watchdog {
	if a.o.Notify == nil {
		return nil
	}
	return &sdnotify.Watchdog{Notifier: a.o.Notify, Every: a.o.WatchdogEvery, Logger: a.log, Checks: []sdnotify.Check{
		{Name: "modem pool", Fn: func(context.Context) error { a.pool.Status(); return nil }},
		{Name: "store", Fn: a.storeWritable},
		{Name: "web server", Fn: a.webAnswers},
	}}
}

// storeWritable takes and gives back the database's write lock, as every
// call's settlement must: a writer stuck in a transaction, a full or
// read-only file system fail it. It writes nothing.
func (a *App) storeWritable(ctx context.Context) error {
	c, err := a.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	_, err = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return err
}

// webAnswers asks the web server's first HTTPS listener for the setup
// state, through loopback when it listens on every address. Its own
// certificate is not checked: the question is whether it answers.
func (a *App) webAnswers(ctx context.Context) error {
	addr, ok := a.web.Addrs()[0].(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("listener %v is not TCP", a.web.Addrs()[0])
	}
	host := addr.IP
	if host.IsUnspecified() { // ":443" listens on both families
		host = net.IPv4(127, 0, 0, 1)
	}
	url := "https://" + net.JoinHostPort(host.String(), fmt.Sprint(addr.Port)) + "/auth/state"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true} //nolint:gosec // our own listener
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /auth/state: %s", resp.Status)
	}
	return nil
}
