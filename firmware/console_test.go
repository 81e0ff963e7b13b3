package main

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"faxbox/firmware/config"
	"faxbox/firmware/console"
)

func TestHashPINCommand(t *testing.T) {
	h, err := hashPIN(bufio.NewReader(strings.NewReader("8080\n")), false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := console.VerifyPIN(h, "8080"); !ok || err != nil {
		t.Errorf("hash-pin's hash does not verify: %v %v", ok, err)
	}
	c := config.Default()
	c.Console.PINHash, c.Console.Device = h, "/dev/ttyS0"
	if err := c.Validate(); err != nil {
		t.Errorf("the configuration refuses hash-pin's hash: %v", err)
	}
	var prompts bytes.Buffer
	if _, err := hashPIN(bufio.NewReader(strings.NewReader("8080\n8081\n")), true, &prompts); err == nil {
		t.Error("two different PINs: no error")
	}
	if !strings.Contains(prompts.String(), "Installer PIN: ") || !strings.Contains(prompts.String(), "Again: ") {
		t.Errorf("prompts: %q", prompts.String())
	}
	if _, err := hashPIN(bufio.NewReader(strings.NewReader("12\n")), false, io.Discard); err == nil {
		t.Error("a 2-digit PIN: no error")
	}
}
