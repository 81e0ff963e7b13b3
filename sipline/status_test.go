package sipline_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t38"
)

// registrar runs sipp (Debian sip-tester) as the registrar of scenario,
// one registration; it returns its address.
func registrar(t *testing.T, scenario string) string {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp (Debian sip-tester) is needed: %v", err)
	}
	port := freePort(t)
	var out bytes.Buffer
	cmd := exec.Command(bin, "-sf", scenario, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-m", "1", "-nostdin",
		"-timeout", "30s", "-timeout_error")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("sipp:\n%s", out.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for range 300 { // until sipp holds its port
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return addr
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("sipp did not bind %s\n%s", addr, out.String())
	return ""
}

// registering opens an account of two lines that registers at reg with
// password, and runs Register until the test ends.
func registering(t *testing.T, reg, password string) *sipline.Account {
	t.Helper()
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Number, cfg.MaxCalls, cfg.Registrar = "127.0.0.1", "fax", "4420", 2, reg
	cfg.PasswordFile = "unused" // the password is given as it is
	p := freePort(t)
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	cfg.MediaPorts = sip.PortRange{Lo: 42000, Hi: 42999}
	a, err := sipline.Open(cfg, sipline.Options{Name: "sip0", Password: password, T38: t38.Config{NoPacing: true}})
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Status(); st.State != sipline.RegPending || len(st.Lines) != 2 || st.Calls != 0 {
		t.Errorf("before the first REGISTER: %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Register(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return a
}

// waitReg waits until the account's registration leaves RegPending.
func waitReg(t *testing.T, a *sipline.Account) sipline.Status {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := a.Status(); st.State != sipline.RegPending {
			return st
		}
	}
	t.Fatalf("still registering after 20 s: %+v", a.Status())
	return sipline.Status{}
}

// TestStatusRegistered: an account registered at sipp (after its digest
// challenge) says so, with the granted lifetime and the refresh a minute
// before it lapses; its lines and no call in progress.
func TestStatusRegistered(t *testing.T) {
	a := registering(t, registrar(t, "testdata/register-once.xml"), "s3cret")
	st := waitReg(t, a)
	if st.State != sipline.RegRegistered || st.Name != "sip0" || st.Expires != 300*time.Second || st.Status != 200 ||
		st.Reason != "" || fmt.Sprint(st.Lines) != "[sip0/1 sip0/2]" || st.Calls != 0 {
		t.Fatalf("status %+v", st)
	}
	if d := st.Next.Sub(st.Since); d != 240*time.Second {
		t.Errorf("next REGISTER %v after the last, want 4 min (a minute before 300 s lapse)", d)
	}
}

// TestStatusFailing: credentials the registrar refuses (403) leave the
// account failing, with the stable reason, the status and the retry.
func TestStatusFailing(t *testing.T) {
	a := registering(t, registrar(t, "../sip/testdata/register-refused.xml"), "wrong")
	st := waitReg(t, a)
	if st.State != sipline.RegFailing || st.Reason != sip.ReasonAuth || st.Status != 403 || st.Detail == "" {
		t.Fatalf("status %+v", st)
	}
	if d := st.Next.Sub(st.Since); d != time.Minute {
		t.Errorf("retry %v after the failure, want 1 min", d)
	}
}

// TestStatusCalls: the account counts its calls in progress.
func TestStatusCalls(t *testing.T) {
	a, b := account(t, "4420", 2), account(t, "4930", 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ring := make(chan error, 1)
	go func() {
		_, err := b.Lines()[0].WaitRing(ctx)
		if err == nil {
			err = b.Lines()[0].Answer(ctx)
		}
		ring <- err
	}()
	l := a.Lines()[0]
	if err := l.Dial(ctx, "sip:4930@"+b.Agent().Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := <-ring; err != nil {
		t.Fatal(err)
	}
	if st := a.Status(); st.Calls != 1 || st.State != sipline.RegNone {
		t.Errorf("in a call: %+v", st)
	}
	if st := b.Status(); st.Calls != 1 {
		t.Errorf("the far account in a call: %+v", st)
	}
	_ = l.HangUp(ctx)
	_ = b.Lines()[0].HangUp(ctx)
	if st := a.Status(); st.Calls != 0 {
		t.Errorf("after the call: %+v", st)
	}
}
