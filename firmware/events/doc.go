// Package events defines the appliance's events: their kinds (Kind), their
// typed payloads (one struct per kind, each a Payload) and the one decoder
// from a kind and its JSON to the payload (Decode, Event.Decode), and it
// carries the events that are not kept on a typed in-memory Bus.
//
// Two kinds of event share these types:
//
//   - The store's event log (package store): MessageEvent, JobEvent,
//     ReceivedEvent, ReceivedPageEvent, PurgedEvent and AssignedEvent,
//     appended in the transaction of the change they report, with a
//     sequence number that a client resumes from (Event). The web UI's
//     event stream sends them as they are logged.
//   - The bus: LineEvent (a modem or SIP line changed state, published by
//     the daemon's pool), AccountEvent (the prepaid account's totals
//     changed, published by billing) and SIPRegistration (a SIP account's
//     registration, published by the appliance). Nothing keeps them: a
//     subscriber that starts late, or that falls behind, reads the state
//     from its source (Subscription.Take says when to).
//
// The package imports nothing of the appliance, so that every layer above
// it may use it; it does not store, send or filter events for users.
package events
