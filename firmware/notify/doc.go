// Package notify tells a sender by e-mail how their fax ended: delivered
// (with the sent fax attached as a PDF), failed, or cancelled, and what
// Faxbox tried on the way (each attempt's local time, length, pages
// confirmed and cause in plain words).
//
// It provides:
//
//   - Notice and Attempt: a finished job as the sender should see it.
//   - Compose: the e-mail for a Notice, built with
//     github.com/emersion/go-message/mail: a multipart/alternative plain
//     text and simple HTML body in UTF-8, the archive PDF attached on
//     success, and the From, To, Subject, Date and Message-ID headers
//     (plus Auto-Submitted, so that vacation responders stay quiet).
//   - Sender: hands a composed Message to the relay configured in the
//     [smtp] section, with github.com/emersion/go-smtp's client: STARTTLS
//     when configured (implicit TLS on port 465), AUTH PLAIN with the
//     password read from smtp.password_file, and one overall time limit
//     so that a silent relay never blocks the daemon.
//   - Error: why a Send failed, typed so the daemon can decide: Kind
//     Unreachable (no connection, connection lost, no answer in time:
//     retry later), Rejected (the relay answered with an SMTP refusal;
//     Temporary for 4xx replies) or Setup (a configuration problem that
//     retrying will not fix: password file unreadable, relay without
//     STARTTLS or AUTH, certificate not trusted). errors.Is works with
//     ErrUnreachable, ErrRejected and ErrSetup.
//   - Watcher: follows the store's event log and mails a Notice for every
//     job that ends, with the sent pages as a PDF (pages.PDFWriter) when
//     delivered. Its cursor and the notices waiting for another try are
//     kept in the store's SQLite file (tables notify_cursor and
//     notify_pending), so a restart neither loses nor repeats a notice.
//   - Forwarding (forward.go): the Watcher also forwards every received
//     fax (events.KindReceived) by e-mail with its pages as a PDF
//     attachment (ComposeForward) to a configured address and, if asked,
//     to the user the fax is routed to, with the notices' durability and
//     retries.
//
// It does not decide who a sender's address is (WatcherConfig.Address
// does) and does not receive mail.
package notify
