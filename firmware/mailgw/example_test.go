package mailgw_test

import (
	"context"
	"fmt"
	"log/slog"

	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
)

// This shows how faxd wires the gateway: the [email_to_fax] section, the
// users' accounts and the daemon's submission path (as the compose page
// uses it) behind the two interfaces.
func Example() {
	var accounts mailgw.Accounts   // mailgw.UserAccounts over firmware/users
	var submitter mailgw.Submitter // an adapter over render, billing and store
	accounts, submitter = fakeAccounts{}, newRecorder()

	o, err := mailgw.OptionsFromConfig(config.EmailToFax{Listen: "127.0.0.1:0", Domain: "fax",
		RelayHosts: []string{"192.168.1.20"}, MaxMessageMiB: 25}) // the office mail server
	if err != nil {
		fmt.Println(err)
		return
	}
	o.Accounts, o.Submitter, o.Logger = accounts, submitter, slog.Default()
	g, err := mailgw.New(o)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()                // faxd cancels on shutdown; here at once
	fmt.Println(g.Run(ctx)) // returns when ctx is done
	fmt.Println(o.MaxMessageBytes, o.RelayHosts)
	// Output:
	// <nil>
	// 26214400 [192.168.1.20/32]
}
