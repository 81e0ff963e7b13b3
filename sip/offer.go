package sip

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// answerOffer builds our answer to an offer (RFC 3264 6): T.38 if offered
// (T.38 Annex D.2.3), else G.711 audio. A T.38 call keeps T.38: an offer
// of audio alone then fails, which the caller answers with 488. switched
// tells whether the call carries T.38 now and did not before or moved.
func (c *Call) answerOffer(offer *SDP) (ans *SDP, switched bool, err error) {
	if m := offer.T38(); m != nil {
		return c.answerT38(offer, m)
	}
	if m := offer.Audio(); m != nil && c.st.mode != modeT38 {
		return c.answerAudio(offer, m)
	}
	return nil, false, &CallError{Reason: ReasonBadSDP, Status: 488, Err: errors.New("no usable stream offered")}
}

func (c *Call) answerT38(offer *SDP, m *Media) (*SDP, bool, error) {
	s := &c.st
	remote := offer.MediaAddr(m)
	if s.mode == modeT38 && remote == s.t38.Remote {
		return s.local, false, nil // a refresh: same answer, same version (RFC 3264 8)
	}
	if s.image == nil {
		conn, err := c.a.media.bind()
		if err != nil {
			return nil, false, err
		}
		s.image = conn
	}
	p := AnswerT38(m.T38, c.a.cfg.T38.Params())
	ans := c.newSDP(mirror(offer, m, T38Media(portOf(s.image), p)))
	s.stopMedia()
	s.mode = modeT38
	s.t38 = T38Session{Conn: s.image, Remote: remote, Params: Session(m.T38, p, m.T38)}
	s.stop(tSwitch)
	s.stop(tNoFax)
	return ans, true, nil
}

func (c *Call) answerAudio(offer *SDP, m *Media) (*SDP, bool, error) {
	s := &c.st
	if s.mode == modeAudio {
		return s.local, false, nil
	}
	conn, err := c.a.media.bind()
	if err != nil {
		return nil, false, err
	}
	s.audio = conn
	pt := m.Payloads[0]
	ans := c.newSDP(mirror(offer, m, AudioMedia(portOf(conn), []int{pt}, m.TelephoneEvent)))
	c.startAudio(offer.MediaAddr(m), pt)
	return ans, false, nil
}

// startAudio sends our fax tone on the audio stream and starts the timers
// of an audio call.
func (c *Call) startAudio(dst netip.AddrPort, pt int) {
	s := &c.st
	s.mode = modeAudio
	tone := ToneCED
	if c.out {
		tone = ToneCNG
	}
	s.startAudio(dst, pt, tone)
	if d := time.Duration(c.a.cfg.T38.ReinviteAfter); d > 0 {
		s.set(tSwitch, d)
	}
	s.set(tNoFax, time.Duration(c.a.cfg.T38.NoFaxTimeout))
}

// mirror returns the answer's media: chosen answered by ans, every other
// offered stream refused, in the offer's order (RFC 3264 6).
func mirror(offer *SDP, chosen *Media, ans Media) []Media {
	out := make([]Media, len(offer.Media))
	for i := range offer.Media {
		if &offer.Media[i] == chosen {
			out[i] = ans
		} else {
			out[i] = Refused(offer.Media[i])
		}
	}
	return out
}

// newSDP returns our next session description with media: the version goes
// up by one for each new one (RFC 3264 8).
func (c *Call) newSDP(media []Media) *SDP {
	ip := c.a.addr.Addr()
	s := &SDP{SessionID: rand.Uint64() >> 1, Origin: ip, Conn: ip, Media: media}
	if prev := c.st.local; prev != nil {
		s.SessionID, s.Version = prev.SessionID, prev.Version+1
	}
	return s
}

// audioOffer and t38Offer are our offers, on fresh sockets.
func (c *Call) audioOffer() (*SDP, error) {
	conn, err := c.a.media.bind()
	if err != nil {
		return nil, err
	}
	c.st.audio = conn
	return c.newSDP([]Media{AudioMedia(portOf(conn), []int{PayloadPCMU, PayloadPCMA}, 101)}), nil
}

func (c *Call) t38Offer() (*SDP, error) {
	if c.st.image == nil {
		conn, err := c.a.media.bind()
		if err != nil {
			return nil, err
		}
		c.st.image = conn
	}
	return c.newSDP([]Media{T38Media(portOf(c.st.image), c.a.cfg.T38.Params())}), nil
}

// parseSessionExpires reads "delta-seconds[;refresher=uac|uas]" (RFC 4028
// 4).
func parseSessionExpires(v string) (time.Duration, string, bool) {
	parts := strings.Split(v, ";")
	n, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || n <= 0 {
		return 0, "", false
	}
	refresher := ""
	for _, p := range parts[1:] {
		if k, val, _ := strings.Cut(strings.TrimSpace(p), "="); strings.EqualFold(k, "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(val))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

// sessionTimerAnswer applies the Session-Expires of a request we answer
// and returns the header for our 2xx (RFC 4028 9): the far end, UAC of
// this request, refreshes unless it asked us to. nil if it has none.
func (c *Call) sessionTimerAnswer(req *gosip.Request) gosip.Header {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		return nil
	}
	d, refresher, ok := parseSessionExpires(h.Value())
	if !ok {
		return nil
	}
	if refresher == "" {
		refresher = "uac"
	}
	c.applySessionTimer(d, refresher == "uas")
	return gosip.NewHeader("Session-Expires", strconv.Itoa(int(d/time.Second))+";refresher="+refresher)
}

// sessionTimerResponse applies the Session-Expires of a 2xx to our INVITE
// or re-INVITE (RFC 4028 7.2): we refresh if it names us, the UAC.
func (c *Call) sessionTimerResponse(res *gosip.Response) {
	h := res.GetHeader("Session-Expires")
	if h == nil {
		return
	}
	if d, refresher, ok := parseSessionExpires(h.Value()); ok {
		c.applySessionTimer(d, refresher == "uac")
	}
}

// applySessionTimer sets the refresh at half the interval if we refresh,
// else the expiry at the interval less min(32 s, interval/3) (RFC 4028 10).
func (c *Call) applySessionTimer(d time.Duration, weRefresh bool) {
	s := &c.st
	s.se = d
	if weRefresh {
		s.stop(tExpire)
		s.set(tRefresh, d/2)
		return
	}
	s.stop(tRefresh)
	s.set(tExpire, d-min(32*time.Second, d/3))
}

// sessionTimerHeaders are what our INVITEs say about session timers (RFC
// 4028 7.1): Supported always, Session-Expires when we want a timer.
func (c *Call) sessionTimerHeaders(req *gosip.Request) {
	req.AppendHeader(gosip.NewHeader("Supported", "timer"))
	se := c.st.se
	if se == 0 {
		se = time.Duration(c.a.cfg.SessionExpires)
	}
	if se > 0 {
		req.AppendHeader(gosip.NewHeader("Session-Expires", strconv.Itoa(int(se/time.Second))))
	}
}
