// Package daemon schedules Faxbox's outgoing fax jobs on its modems.
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
//
// Before the workers start, Run settles the billing calls and closes the
// store attempts that a crash or power cut interrupted (billing.Ledger.
// Recover, store.Store.Recover).
//
// Time: the scheduler uses the time package directly (timers, retry
// delays); the store and the ledger stamp records with the real wall clock,
// so the tests run the pool in real time with the simulated line's time
// compressed (sim.LineConfig.Scale) and short back-offs, not in a
// testing/synctest bubble.
//
// The package does not render messages, price them at submission, send
// notifications, answer incoming calls, or power-cycle modems itself (a
// Line's PowerCycle hook does).
package daemon
