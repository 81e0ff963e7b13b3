package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// TestDraftPurgedByRetention: the drafts users keep through the API (form
// and files) are those the store's retention removes once untouched
// (PurgeDrafts), not before; the user then finds an empty draft.
func TestDraftPurgedByRetention(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	for _, tok := range []string{token, bobToken} {
		if code := e.doAs(t, tok, "PUT", "/api/draft", "application/json", strings.NewReader(`{"subject":"Deed"}`), nil); code != http.StatusOK {
			t.Fatalf("PUT /api/draft: %d", code)
		}
	}
	if code, _ := e.upload(t, map[string][]byte{"photo.png": pngFile(t)}, ""); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	res, err := e.st.PurgeDrafts(context.Background(), time.Now().Add(-time.Hour))
	if err != nil || res.Drafts != 0 {
		t.Fatalf("recent drafts purged: %+v, %v", res, err)
	}
	res, err = e.st.PurgeDrafts(context.Background(), time.Now().Add(time.Hour)) // as if both were old
	if err != nil || res.Drafts != 2 || res.Files != 3 {
		t.Fatalf("PurgeDrafts = %+v, %v; want alice's form and file and bob's form", res, err)
	}
	var d draftAnswer
	if code := e.do(t, "GET", "/api/draft", "", nil, &d); code != http.StatusOK || d.Form != nil || len(d.Files) != 0 {
		t.Errorf("after retention: %d %+v, want an empty draft", code, d)
	}
}
