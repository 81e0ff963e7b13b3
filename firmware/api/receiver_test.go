package api_test

import (
	"context"
	"net/http"
	"testing"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

// TestPreviewReceiverResolution: a fine preview to a number whose fax
// machine announced standard only in its last call says, for that
// recipient only, receiver_resolution "standard".
func TestPreviewReceiverResolution(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	if err := e.st.RecordCall(context.Background(), store.CallReport{Number: "+3225551212", ReasonCode: "ok", Answered: true,
		Delivered: true, Pages: 1, Params: store.Params{BitRate: 14400, ECM: true, Coding: "MMR"}, ReceiverResolution: "standard"}); err != nil {
		t.Fatal(err)
	}
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "cc": "+32 2 555 13 13", "subject": "Report",
		"body": "See attached.", "resolution": "fine"}, nil)
	var pv struct {
		Estimates struct {
			Resolution string `json:"resolution"`
			Recipients []struct {
				Number             string `json:"number"`
				ReceiverResolution string `json:"receiver_resolution"`
			} `json:"recipients"`
		} `json:"estimates"`
	}
	if code := e.do(t, "POST", "/api/previews", ct, body, &pv); code != http.StatusOK {
		t.Fatalf("status %d: %+v", code, pv)
	}
	rs := pv.Estimates.Recipients
	if pv.Estimates.Resolution != "fine" || len(rs) != 2 || rs[0].ReceiverResolution != "standard" || rs[1].ReceiverResolution != "" {
		t.Errorf("estimates %+v", pv.Estimates)
	}
}
