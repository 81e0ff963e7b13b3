// Package daemon schedules Faxbox's outgoing fax jobs on its modems and
// receives the faxes that call in on them.
//
// It provides:
//
//   - Pool: one worker per modem (one to eight), supervised by Pool.Run.
//     Each worker claims the next due job (store.NextJob), starts an
//     attempt, checks credit and holds it (billing.Ledger.BeginCall), dials
//     the number as the line's numbers.DialPlan says, sends the pages the
//     remote has not yet confirmed with t30.Send under the hold's call
//     limit, records the call as it happens (connected, each confirmed
//     page), settles the call from the connected time the engine measured
//     and finishes the attempt: delivered, retry later, or failed.
//   - Backoff: the wait before another attempt by cause of failure (busy
//     sooner, no answer later, not a fax machine never), and the rule that a
//     failure of our own modem retries at once on another modem while the
//     failed one is taken out of service until it resets.
//   - Modems that are absent or vanish (worker.go): a Line gives either
//     an open Modem or a Device that the pool opens itself with
//     Config.Open. A device that cannot be opened (a USB modem not plugged
//     in) leaves its modem out of service with the reason, and the pool
//     tries again every ProbeEvery (on the Config.After clock) until it
//     opens and resets; the others serve meanwhile. A modem whose device
//     fails during a call (modem.ErrGone) ends the attempt as
//     ReasonModemGone: charged for the connected time and retried at once
//     on another modem with the pages not yet confirmed; the device is
//     closed and opened again once it is back.
//   - Learning: each call starts from what worked on the previous calls
//     to the same number (store.Destination): a lower first bit rate after
//     training failures, no ECM after ECM failures, stepping back up after
//     good calls or a month. Every dialled call is added to the number's
//     history (store.Store.RecordCall).
//   - Traces: every dialled attempt writes the engine's protocol log
//     (frames, states, events) and the modem's wire log (Line.WireLog,
//     NewWireLog) to traces/attempt-<id>.log beside the database, as the
//     call goes, fsynced at its end, and records the path in the attempt.
//   - Pool.Borrow: a modem taken out of scheduling, once its call ends, for
//     an installer's probe or test call, until it is given back.
//   - Incoming calls (answer.go, receive.go): an idle worker watches its
//     modem for RING while it waits for due jobs, and answers as the
//     line's AnswerPolicy says (after N rings, only within hours, or
//     never). It receives with t30.Receive and keeps each page as the
//     engine confirms it: a TIFF-F file under received/ in the coding it
//     came in (WriteReceivedPage), fsynced, then recorded in the store
//     (store.StartReceived, AddReceivedPage) with its copy quality, so
//     the inbox shows it at once and a dropped line or a crash keeps what
//     arrived; the end of the call finishes the fax, partial if the
//     document was not complete (store.FinishReceived). A call in which no
//     fax machine spoke is logged as not a fax and stores nothing. The fax
//     is routed to a user by the caller's number or identity
//     (config.Inbox, RouteUser), else to all staff. No job dials while a
//     call rings in or is being received on the modem, and receiving
//     costs no credit. (store.Store.ReceivedPDF and ReceivedTIFF give a
//     received fax as a PDF or as one TIFF-F of the pages' data.)
//
// Before the workers start, Run settles the billing calls and closes the
// store attempts that a crash or power cut interrupted (billing.Ledger.
// Recover, store.Store.Recover), and finishes as partial the faxes it
// interrupted while they were received (store.Store.RecoverReceived).
//
// Time: the scheduler uses the time package directly (timers, retry
// delays), except the wait between probes of a modem out of service
// (Config.After); the store and the ledger stamp records with the real
// wall clock, so the tests run the pool in real time with the simulated
// line's time compressed (sim.LineConfig.Scale) and short back-offs, not
// in a testing/synctest bubble (nor could they: the modems on
// pseudo-terminals block in system calls).
//
// The package does not render messages, price them at submission, send
// notifications or forward received faxes (package notify), or
// power-cycle modems itself (a Line's PowerCycle hook does).
package daemon
