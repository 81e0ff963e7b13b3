package appliance

import (
	"errors"
	"testing"
	"time"

	"faxbox/firmware/events"
	"faxbox/sip"
)

// TestPublishRegistration: each registration attempt of a SIP account
// reaches the bus with the account's name, its outcome and the reason of
// a failure.
func TestPublishRegistration(t *testing.T) {
	bus := events.NewBus()
	sub := bus.Subscribe(0, events.KindSIPRegistration)
	defer sub.Close()
	pub := publishRegistration(bus, "sip0")
	pub(sip.RegStatus{Registered: true, Expires: time.Hour, Status: 200})
	pub(sip.RegStatus{Status: 403, Err: errors.New("forbidden")})
	ps, resync := sub.Take()
	want := []events.Payload{
		events.SIPRegistration{Account: "sip0", Registered: true, Expires: time.Hour, Status: 200},
		events.SIPRegistration{Account: "sip0", Status: 403, Reason: "forbidden"},
	}
	if resync || len(ps) != len(want) || ps[0] != want[0] || ps[1] != want[1] {
		t.Errorf("published %+v (resync %v), want %+v", ps, resync, want)
	}
}
