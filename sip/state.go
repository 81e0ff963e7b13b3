package sip

import (
	"context"
	"net"
	"net/netip"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// timerKind names a call's timers.
type timerKind uint8

const (
	tSwitch  timerKind = iota // send our re-INVITE to T.38 (ReinviteAfter)
	tGlare                    // retry after 491 (RFC 3261 14.1)
	tRefresh                  // refresh the session (RFC 4028 10)
	tExpire                   // the session expired without refresh (RFC 4028 10)
	tNoFax                    // audio too long without a switch
	tOK                       // retransmit our 2xx to a re-INVITE (RFC 3261 13.3.1.4)
	nTimers
)

// callState is what the call's goroutine owns.
type callState struct {
	sess   dialogSession
	target gosip.Uri // remote target of in-dialog requests (RFC 3261 12.2)
	mode   mode
	local  *SDP // our last offer or answer
	remote *SDP

	audio    net.PacketConn
	image    net.PacketConn
	toneStop context.CancelFunc
	toneDone chan struct{}
	t38      T38Session

	reinv     *reinvite // our re-INVITE in progress or waiting after 491
	reinvDone chan reinviteResult
	glares    int

	se        time.Duration // RFC 4028 session interval, 0 for none
	timers    [nTimers]*time.Timer
	okRes     *gosip.Response // our 2xx to a re-INVITE, until its ACK
	okTx      gosip.ServerTransaction
	okWait    time.Duration
	okElapsed time.Duration
}

func (s *callState) set(k timerKind, d time.Duration) {
	s.stop(k)
	s.timers[k] = time.NewTimer(d)
}

func (s *callState) stop(k timerKind) {
	if s.timers[k] != nil {
		s.timers[k].Stop()
		s.timers[k] = nil
	}
}

// c returns the channel of timer k, nil (never ready) if it is not set.
func (s *callState) c(k timerKind) <-chan time.Time {
	if s.timers[k] == nil {
		return nil
	}
	return s.timers[k].C
}

func (s *callState) stopTimers() {
	for k := range nTimers {
		s.stop(k)
	}
}

// startAudio binds the audio socket's stream to dst and sends tone on it.
func (s *callState) startAudio(dst netip.AddrPort, pt int, tone Tone) {
	ctx, cancel := context.WithCancel(context.Background())
	s.toneStop, s.toneDone = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		sendTone(ctx, s.audio, net.UDPAddrFromAddrPort(dst), pt, tone)
	}(s.toneDone)
}

// stopMedia stops the tone and closes the audio socket.
func (s *callState) stopMedia() {
	if s.toneStop != nil {
		s.toneStop()
		<-s.toneDone
		s.toneStop = nil
	}
	if s.audio != nil {
		s.audio.Close()
		s.audio = nil
	}
}

// waitReinvite waits for our re-INVITE's goroutine, if any, to finish.
func (s *callState) waitReinvite() {
	if s.reinv != nil && s.reinv.running {
		s.reinv.cancel()
		<-s.reinvDone
	}
}
