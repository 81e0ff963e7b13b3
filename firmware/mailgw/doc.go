// Package mailgw is Faxbox's e-mail-to-fax gateway: an SMTP listener on the
// LAN that turns mail addressed to <number>@<domain> (3225551212@fax) into
// fax submissions, exactly as the web UI's compose page does.
//
// It provides:
//
//   - Gateway, an SMTP server (github.com/emersion/go-smtp) configured from
//     the [email_to_fax] section (OptionsFromConfig). It accepts fax
//     addresses in To, Cc and Bcc, several per mail. Each RCPT is checked at
//     once with package numbers, so a bad number is refused alone (550
//     5.1.1 with the reason and how to write it) and the rest of the mail
//     goes through; other addresses are refused with 550 5.7.1. An address
//     may ask for a resolution with a tag after the number,
//     "+3225551212+fine@fax" (standard, fine or superfine; the highest
//     asked of a mail's recipients applies to the whole mail); without
//     one the appliance's render.resolution applies.
//   - Who may send: nobody by default. Clients authenticate with their
//     Faxbox account (AUTH PLAIN or LOGIN, Accounts.Login, given the
//     client's address for throttling). AUTH is offered only over TLS
//     (STARTTLS, when Options.TLSConfig is set) or on loopback, so
//     passwords never cross the LAN in clear text. The mail servers listed
//     in relay_hosts (Options.RelayHosts: the office's, which has
//     authenticated its own users) may hand mail over without AUTH: the
//     envelope sender's e-mail address names the account
//     (Accounts.ByAddress), and the mail's From header field must name the
//     same address (550 5.7.1 otherwise). require_auth makes relay hosts
//     authenticate too. Each mail is billed to that account.
//     UserAccounts is the Accounts over the web UI's accounts (package
//     users), throttled as web logins are.
//   - The mail itself (go-message): the text body becomes the first page;
//     multipart/alternative prefers text/plain; an HTML-only body is turned
//     into readable text by a small converter (no golang.org/x/net/html);
//     attachments become render.Attachments with sanitised names; images
//     inside multipart/related that are not marked as attachments
//     (signature logos of HTML mail) are left out. Charsets are decoded by
//     go-message/charset.
//   - Limits: message size (552 5.3.4, also announced with SIZE), number
//     of recipients, MIME nesting depth and part count (554 5.6.0), line
//     length, read and write timeouts, a cap on concurrent connections
//     and a per-address connection rate (421 4.7.0 before the greeting),
//     and how many mails are taken apart at once (their attachments are
//     held in memory).
//   - Answers: every error of the Submitter is mapped to an SMTP reply a
//     person can act on (not enough credit: 552 5.2.2 with the amount
//     missing; unsupported attachment: 554 5.6.1 naming the file;
//     temporary trouble: 451 4.3.0). A Submitter answering ErrDuplicate
//     (the same Message-ID from the same account again: a client retrying
//     after a lost reply) is a success, so nothing is billed twice.
//
// The package does not create messages or jobs, render pages, price or
// bill them, or send notices: a Submitter does that (the daemon's, as for
// the compose page), and the delivery and failure notices go back by
// package notify. It does not relay mail anywhere else.
package mailgw
