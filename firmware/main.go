// Command faxd is the Faxbox appliance: one binary whose subcommands run
// the daemon and the tools that installers and tests use.
//
// This file only dispatches; each subcommand lives in its own file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"faxbox/pages/render/sandbox"
)

// command is one faxd subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"encode":  {"code PBM or TIFF pages as MH, MR or MMR (raw G3/G4 or TIFF-F)", runEncode},
		"decode":  {"decode raw G3/G4 or TIFF-F to PBM or TIFF-F, reporting damage", runDecode},
		"probe":   {"ask a fax modem for its identity, classes and class 1 rates (one line of JSON)", runProbe},
		"render":  {"render a message and attachments (PDF, images, text, TIFF) into fax pages", runRender},
		"send":    {"send one fax with one modem and print the outcome as JSON", runSend},
		"receive": {"answer one call with one modem, store the fax as TIFF-F, print JSON", runReceive},
		"voucher": {"make reseller voucher keys, issue vouchers, redeem them into the ledger", runVoucher},
		"credit":  {"show the prepaid account: balance, available, open holds, spend this month", runCredit},
		"price":   {"show a number's country, price per minute and the estimate for a fax", runPrice},
		"serve":   {"run the appliance: the modem pool and the JSON API (--demo: simulated line and remote)", runServe},
		"console": {"the installer console of the running faxd serve on this terminal (hash-pin: make console.pin_hash)", runConsole},
		"submit":  {"queue a message with a running faxd serve through its JSON API", runSubmit},
		"backup":  {"write a backup (database, faxes, traces, configuration, TLS) to a .tar.gz, also while faxd serve runs", runBackup},
		"restore": {"restore a backup onto a stopped appliance, keeping the data directory it replaces", runRestore},
	}
}

// errUsage marks an error whose message already says how to call faxd.
var errUsage = errors.New("usage")

// errQuiet fails a command that has already reported why (the JSON line
// of send and receive).
var errQuiet = errors.New("reported")

func main() {
	if len(os.Args) == 2 && os.Args[1] == sandbox.ChildCommand {
		// Hidden: the daemon renders documents in a child process.
		os.Exit(sandbox.ChildMain())
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "faxd: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if !errors.Is(err, errUsage) && !errors.Is(err, errQuiet) {
			fmt.Fprintf(stderr, "faxd %s: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: faxd COMMAND [options] [arguments]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'faxd COMMAND -h' for a command's options.")
}
