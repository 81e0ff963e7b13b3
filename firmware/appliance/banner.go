package appliance

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// banner says on Options.Stdout where the appliance is and how to use it;
// on the first run it sends the reader to the page that sets the
// administrator's password, with the setup code.
func (a *App) banner(addr string) {
	cfg, token, led := a.cfg, a.token, a.led
	remoteDir := filepath.Join(a.dir, demoRemoteName)
	var b strings.Builder
	if cfg.Demo {
		fmt.Fprintf(&b, "Faxbox demo: a simulated modem on a simulated line to a simulated remote fax machine.\n")
	} else {
		fmt.Fprintf(&b, "Faxbox is running.\n")
	}
	fmt.Fprintf(&b, "  web UI        https://%s/\n", addr)
	if setupCode := a.web.SetupCode(); setupCode != "" {
		fmt.Fprintf(&b, "                open it to set the administrator's password (first run) with the setup code:\n")
		fmt.Fprintf(&b, "  setup code    %s\n", setupCode)
	}
	fmt.Fprintf(&b, "                the certificate is self-signed unless web.tls_cert is set: let the browser accept it\n")
	fmt.Fprintf(&b, "  JSON API      https://%s/api/\n", addr)
	switch {
	case cfg.Demo:
		fmt.Fprintf(&b, "  API token     %s\n", token)
	case token != "":
		fmt.Fprintf(&b, "  API token     in %s\n", cfg.Web.APITokenFile)
	default:
		fmt.Fprintf(&b, "  API token     none (web.api_token_file is not set): sessions only\n")
	}
	fmt.Fprintf(&b, "  data          %s\n", a.dir)
	if cfg.Demo {
		if a, err := led.Account(context.Background(), ""); err == nil {
			fmt.Fprintf(&b, "  credit        %s available (demo credit, not real money)\n", led.Currency().Format(a.Available))
		}
		fmt.Fprintf(&b, "  remote faxes  what the remote machine receives is saved in %s\n", remoteDir)
		fmt.Fprintf(&b, "\nTry:\n  curl -k -H 'Authorization: Bearer %s' -F 'to=+32 2 555 12 12' -F subject=Hello -F 'body=A first fax.' https://%s/api/messages\n", token, addr)
		fmt.Fprintf(&b, "  curl -k -H 'Authorization: Bearer %s' https://%s/api/messages/1\n", token, addr)
		fmt.Fprintf(&b, "  (-k: the demo's certificate is self-signed)\n")
		fmt.Fprintf(&b, "  faxd submit --demo --to '+32 2 555 12 12' --subject Hello --body 'A first fax.' [FILE...]\n")
		fmt.Fprintf(&b, "  faxd console --demo    (the installer console)\n")
	}
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop.\n")
	io.WriteString(a.o.Stdout, b.String())
}
