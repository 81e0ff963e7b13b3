//go:build linux

package pty

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := os.OpenFile(p.SlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Bytes that a tty in cooked mode would alter: CR, ^C, ^S, DEL, 0x10.
	msg := []byte("AT\r\x03\x13\x7f\x10\x03\n")
	if _, err := s.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(p.Master, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("master read %q, want %q", got, msg)
	}
	if _, err := p.Master.Write([]byte("OK\r\n")); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, 4)
	if _, err := io.ReadFull(s, back); err != nil {
		t.Fatal(err)
	}
	if string(back) != "OK\r\n" {
		t.Fatalf("slave read %q", back)
	}
}

// TestCloseHangsUp: Close ends the master at once even while a Read waits
// on it, and the slave's holder then reads an error, as from an unplugged
// USB modem.
func TestCloseHangsUp(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(p.SlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	masterRead := make(chan error, 1)
	go func() {
		_, err := p.Master.Read(make([]byte, 16))
		masterRead <- err
	}()
	slaveRead := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 16))
		slaveRead <- err
	}()
	time.Sleep(100 * time.Millisecond) // both Reads wait
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ch   chan error
	}{{"master", masterRead}, {"slave", slaveRead}} {
		select {
		case err := <-c.ch:
			if err == nil {
				t.Errorf("the %s read nothing and no error after Close", c.name)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the %s's Read still waits 5 s after Close", c.name)
		}
	}
}
