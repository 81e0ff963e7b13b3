package sip

import (
	"bytes"
	"net/netip"
	"os"
	"testing"
)

func TestParseSDPT38(t *testing.T) {
	tests := []struct {
		file string
		addr string
		want T38Params
	}{
		{"testdata/asterisk-reinvite.sdp", "127.0.0.1:4000", T38Params{Version: 0, MaxBitRate: 14400,
			RateManagement: TransferredTCF, MaxBuffer: 400, MaxDatagram: 400, UDPEC: ECRedundancy}},
		{"testdata/gateway-booleans.sdp", "10.0.0.2:6002", T38Params{Version: 3, MaxBitRate: 33600,
			RateManagement: LocalTCF, MaxDatagram: 72, UDPEC: ECFEC, TranscodingMMR: true, TranscodingJBIG: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParseSDP(body)
			if err != nil {
				t.Fatalf("ParseSDP: %v", err)
			}
			m := s.T38()
			if m == nil {
				t.Fatal("no T.38 stream")
			}
			if m.T38 != tt.want {
				t.Errorf("T38 = %+v, want %+v", m.T38, tt.want)
			}
			if got := s.MediaAddr(m).String(); got != tt.addr {
				t.Errorf("MediaAddr = %s, want %s", got, tt.addr)
			}
			if s.Audio() != nil {
				t.Errorf("Audio() = %+v, want nil (refused or absent)", s.Audio())
			}
		})
	}
}

func TestParseSDPAudio(t *testing.T) {
	body := "v=0\no=x 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n" +
		"m=audio 7000 RTP/AVP 8 0 101\na=rtpmap:101 telephone-event/8000\n"
	s, err := ParseSDP([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Audio()
	if a == nil || len(a.Payloads) != 2 || a.Payloads[0] != PayloadPCMA || a.TelephoneEvent != 101 {
		t.Fatalf("audio = %+v", a)
	}
	if s.T38() != nil {
		t.Error("T38() != nil for an audio-only body")
	}
}

func TestParseSDPErrors(t *testing.T) {
	for _, body := range []string{
		"", "v=0\r\n", "garbage", "v=0\nm=audio x RTP/AVP 0\n", "v=0\nm=audio 70000 RTP/AVP 0\n",
		"v=0\nc=IN IP4 not-an-ip\nm=audio 1 RTP/AVP 0\n",
		"v=0\nm=image 1 udptl t38\na=T38FaxUdpEC:t38UDPMagic\n",
		"v=0\nm=image 1 udptl t38\na=T38FaxFillBitRemoval:yes\n",
	} {
		if _, err := ParseSDP([]byte(body)); err == nil {
			t.Errorf("ParseSDP(%q) = nil error", body)
		}
	}
}

func TestSDPRoundTrip(t *testing.T) {
	p := T38Params{Version: 2, MaxBitRate: 9600, RateManagement: LocalTCF, MaxBuffer: 1800,
		MaxDatagram: 512, UDPEC: ECRedundancy, FillBitRemoval: true, TranscodingJBIG: true}
	a := netip.MustParseAddr("127.0.0.1")
	in := &SDP{SessionID: 7, Version: 3, Origin: a, Conn: a, Media: []Media{
		Refused(AudioMedia(1, []int{0}, -1)), T38Media(5000, p)}}
	out, err := ParseSDP(in.Marshal())
	if err != nil {
		t.Fatalf("ParseSDP(Marshal()): %v\n%s", err, in.Marshal())
	}
	if !bytes.Equal(out.Marshal(), in.Marshal()) {
		t.Errorf("round trip differs:\n%s\n---\n%s", in.Marshal(), out.Marshal())
	}
	if out.T38() == nil || out.T38().T38 != p || out.Media[0].Port != 0 {
		t.Errorf("round trip = %+v", out.Media)
	}
}

func TestAnswerT38(t *testing.T) {
	offer := T38Params{Version: 3, MaxBitRate: 33600, RateManagement: LocalTCF, MaxDatagram: 72,
		UDPEC: ECFEC, FillBitRemoval: true, TranscodingMMR: true}
	local := T38Params{Version: 0, MaxBitRate: 14400, MaxBuffer: 1800, MaxDatagram: 400, UDPEC: ECRedundancy}
	a := AnswerT38(offer, local)
	want := T38Params{Version: 0, MaxBitRate: 14400, RateManagement: LocalTCF, MaxBuffer: 1800,
		MaxDatagram: 400, UDPEC: ECRedundancy}
	if a != want {
		t.Errorf("AnswerT38 = %+v, want %+v", a, want)
	}
	s := Session(offer, a, offer)
	if s.MaxDatagram != 72 || s.RateManagement != LocalTCF || s.Version != 0 {
		t.Errorf("Session = %+v", s)
	}
}

func FuzzParseSDP(f *testing.F) {
	for _, name := range []string{"testdata/asterisk-reinvite.sdp", "testdata/gateway-booleans.sdp"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("v=0\nm=audio 1 RTP/AVP 0 8 101\na=rtpmap:101 telephone-event/8000\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSDP(b)
		if err != nil {
			return
		}
		// What we accept, we write back in a form we read the same way.
		again, err := ParseSDP(s.Marshal())
		if err != nil {
			t.Fatalf("re-parse of Marshal: %v\n%s", err, s.Marshal())
		}
		if !bytes.Equal(again.Marshal(), s.Marshal()) {
			t.Fatalf("Marshal not stable:\n%s\n---\n%s", s.Marshal(), again.Marshal())
		}
	})
}
