//go:build linux

package pty

import (
	"bytes"
	"io"
	"os"
	"testing"
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
