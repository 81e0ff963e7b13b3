package sip

import (
	"errors"
	"fmt"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authorize adds to req the credentials that answer the digest challenge
// of res, a 401 or 407 (RFC 3261 22.2, 22.3). sipgo does this for the
// first INVITE and REGISTER; requests within a dialog need it here.
func authorize(req *gosip.Request, res *gosip.Response, user, password string) error {
	challenge, answer := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		challenge, answer = "Proxy-Authenticate", "Proxy-Authorization"
	}
	h := res.GetHeader(challenge)
	if h == nil {
		return errors.New("sip: challenge without " + challenge)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return fmt.Errorf("sip: %s: %w", challenge, err)
	}
	chal.Algorithm = strings.ToUpper(chal.Algorithm)
	cred, err := digest.Digest(chal, digest.Options{Method: req.Method.String(), URI: req.Recipient.Addr(),
		Username: user, Password: password})
	if err != nil {
		return fmt.Errorf("sip: digest: %w", err)
	}
	req.RemoveHeader(answer)
	req.AppendHeader(gosip.NewHeader(answer, cred.String()))
	return nil
}
