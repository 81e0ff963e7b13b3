package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// MediaKind is the media type of an SDP m= line (RFC 4566 5.14).
type MediaKind string

// Media kinds Faxbox uses.
const (
	MediaAudio MediaKind = "audio"
	MediaImage MediaKind = "image"
)

// RTP payload types of G.711 (RFC 3551 6, table 4).
const (
	PayloadPCMU = 0
	PayloadPCMA = 8
)

// Media is one m= section of an SDP body.
type Media struct {
	Kind    MediaKind
	Port    int // 0 refuses the stream (RFC 3264 6)
	Proto   string
	Formats []string
	Conn    netip.Addr // media-level c=, zero if absent

	// Audio: the G.711 payload types in order of preference and the
	// telephone-event payload type (RFC 4733 7), -1 if not offered.
	Payloads       []int
	TelephoneEvent int

	// Image: the T.38 attributes (T.38 Annex D.2.3).
	T38 T38Params
}

// IsT38 tells whether m is an accepted T.38 stream (m=image port udptl t38).
func (m *Media) IsT38() bool {
	return m.Kind == MediaImage && m.Port != 0 &&
		strings.EqualFold(m.Proto, "udptl") && containsFold(m.Formats, "t38")
}

// IsAudio tells whether m is an accepted RTP audio stream.
func (m *Media) IsAudio() bool {
	return m.Kind == MediaAudio && m.Port != 0 && strings.HasPrefix(strings.ToUpper(m.Proto), "RTP/")
}

// SDP is a session description (RFC 4566) reduced to what a fax line needs.
type SDP struct {
	SessionID uint64     // o= sess-id
	Version   uint64     // o= sess-version, incremented on each new offer
	Origin    netip.Addr // o= unicast-address
	Conn      netip.Addr // session-level c=
	Media     []Media
}

// MediaAddr returns the address and port to send m's stream to: the
// media-level c= if present, else the session-level one (RFC 4566 5.7).
func (s *SDP) MediaAddr(m *Media) netip.AddrPort {
	a := m.Conn
	if !a.IsValid() {
		a = s.Conn
	}
	return netip.AddrPortFrom(a, uint16(m.Port))
}

// T38 returns the first accepted T.38 stream, or nil.
func (s *SDP) T38() *Media {
	for i := range s.Media {
		if s.Media[i].IsT38() {
			return &s.Media[i]
		}
	}
	return nil
}

// Audio returns the first accepted audio stream with a G.711 payload, or nil.
func (s *SDP) Audio() *Media {
	for i := range s.Media {
		if s.Media[i].IsAudio() && len(s.Media[i].Payloads) > 0 {
			return &s.Media[i]
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ParseSDP parses an SDP body. It accepts CRLF and bare LF line ends
// (RFC 4566 5 asks parsers to), ignores lines it has no use for, and
// returns an *SDPError for a malformed o=, c= or m= line.
func ParseSDP(body []byte) (*SDP, error) {
	s := &SDP{}
	var cur *Media
	for i, raw := range bytes.Split(body, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, &SDPError{Line: i + 1, Msg: fmt.Sprintf("not a type=value line: %.40q", line)}
		}
		if err := s.parseLine(line[0], line[2:], &cur); err != nil {
			return nil, &SDPError{Line: i + 1, Msg: err.Error()}
		}
	}
	if len(s.Media) == 0 {
		return nil, &SDPError{Msg: "no m= line"}
	}
	return s, nil
}

func (s *SDP) parseLine(typ byte, v string, cur **Media) error {
	switch typ {
	case 'o':
		return s.parseOrigin(v)
	case 'c':
		a, err := parseConn(v)
		if err != nil {
			return err
		}
		if *cur != nil {
			(*cur).Conn = a
		} else {
			s.Conn = a
		}
	case 'm':
		m, err := parseMediaLine(v)
		if err != nil {
			return err
		}
		s.Media = append(s.Media, m)
		*cur = &s.Media[len(s.Media)-1]
	case 'a':
		if *cur != nil {
			return (*cur).parseAttr(v)
		}
	}
	return nil
}

// parseOrigin reads "o=<username> <sess-id> <sess-version> IN IP4 <addr>"
// (RFC 4566 5.2).
func (s *SDP) parseOrigin(v string) error {
	f := strings.Fields(v)
	if len(f) != 6 {
		return fmt.Errorf("o= needs 6 fields, has %d", len(f))
	}
	s.SessionID, _ = strconv.ParseUint(f[1], 10, 64)
	s.Version, _ = strconv.ParseUint(f[2], 10, 64)
	s.Origin, _ = netip.ParseAddr(f[5])
	return nil
}

// parseConn reads "c=IN IP4 <addr>[/ttl]" (RFC 4566 5.7).
func parseConn(v string) (netip.Addr, error) {
	f := strings.Fields(v)
	if len(f) != 3 || f[0] != "IN" {
		return netip.Addr{}, fmt.Errorf("c= is not \"IN IP4|IP6 addr\": %.40q", v)
	}
	host, _, _ := strings.Cut(f[2], "/")
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("c= address: %w", err)
	}
	return a, nil
}

// parseMediaLine reads "m=<media> <port>[/<n>] <proto> <fmt> ..."
// (RFC 4566 5.14).
func parseMediaLine(v string) (Media, error) {
	f := strings.Fields(v)
	if len(f) < 4 {
		return Media{}, fmt.Errorf("m= needs at least 4 fields, has %d", len(f))
	}
	portStr, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return Media{}, fmt.Errorf("m= port %.20q", f[1])
	}
	m := Media{Kind: MediaKind(strings.ToLower(f[0])), Port: port, Proto: f[2],
		Formats: f[3:], TelephoneEvent: -1, T38: T38Params{MaxBitRate: 14400}}
	if m.Kind == MediaAudio {
		for _, pt := range m.Formats {
			if n, err := strconv.Atoi(pt); err == nil && (n == PayloadPCMU || n == PayloadPCMA) {
				m.Payloads = append(m.Payloads, n)
			}
		}
	}
	return m, nil
}

// parseAttr reads one media-level a= line.
func (m *Media) parseAttr(v string) error {
	name, val, _ := strings.Cut(v, ":")
	switch m.Kind {
	case MediaImage:
		return m.T38.parseAttr(name, strings.TrimSpace(val))
	case MediaAudio:
		if strings.EqualFold(name, "rtpmap") {
			m.parseRtpmap(val)
		}
	}
	return nil
}

// parseRtpmap finds telephone-event's dynamic payload type (RFC 4733 7.1).
func (m *Media) parseRtpmap(val string) {
	pt, enc, ok := strings.Cut(strings.TrimSpace(val), " ")
	if !ok {
		return
	}
	n, err := strconv.Atoi(pt)
	if err != nil || n < 96 || n > 127 {
		return
	}
	if strings.HasPrefix(strings.ToLower(enc), "telephone-event/") && containsFold(m.Formats, pt) {
		m.TelephoneEvent = n
	}
}

// Marshal writes s as an SDP body with CRLF line ends (RFC 4566 5).
func (s *SDP) Marshal() []byte {
	var b strings.Builder
	ip := func(a netip.Addr) string {
		if !a.IsValid() {
			return "IP4 0.0.0.0"
		}
		if a.Is6() && !a.Is4In6() {
			return "IP6 " + a.String()
		}
		return "IP4 " + a.Unmap().String()
	}
	fmt.Fprintf(&b, "v=0\r\no=faxbox %d %d IN %s\r\ns=faxbox\r\n", s.SessionID, s.Version, ip(s.Origin))
	if s.Conn.IsValid() {
		fmt.Fprintf(&b, "c=IN %s\r\n", ip(s.Conn))
	}
	b.WriteString("t=0 0\r\n")
	for i := range s.Media {
		s.Media[i].marshal(&b)
	}
	return []byte(b.String())
}

func (m *Media) marshal(b *strings.Builder) {
	fmt.Fprintf(b, "m=%s %d %s %s\r\n", m.Kind, m.Port, m.Proto, strings.Join(m.Formats, " "))
	if m.Port == 0 {
		return
	}
	switch m.Kind {
	case MediaImage:
		m.T38.marshal(b)
	case MediaAudio:
		for _, pt := range m.Payloads {
			fmt.Fprintf(b, "a=rtpmap:%d %s/8000\r\n", pt, map[int]string{PayloadPCMU: "PCMU", PayloadPCMA: "PCMA"}[pt])
		}
		if m.TelephoneEvent >= 0 {
			fmt.Fprintf(b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n", m.TelephoneEvent, m.TelephoneEvent)
		}
		b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	}
}

// AudioMedia returns an m=audio section offering payloads in that order, and
// telephone-event as payload type te unless te is negative.
func AudioMedia(port int, payloads []int, te int) Media {
	m := Media{Kind: MediaAudio, Port: port, Proto: "RTP/AVP", Payloads: payloads, TelephoneEvent: te}
	for _, pt := range payloads {
		m.Formats = append(m.Formats, strconv.Itoa(pt))
	}
	if te >= 0 {
		m.Formats = append(m.Formats, strconv.Itoa(te))
	}
	return m
}

// T38Media returns an m=image udptl t38 section (T.38 Annex D).
func T38Media(port int, p T38Params) Media {
	return Media{Kind: MediaImage, Port: port, Proto: "udptl", Formats: []string{"t38"}, TelephoneEvent: -1, T38: p}
}

// Refused returns a copy of m with port 0: the answerer's way to decline an
// offered stream (RFC 3264 6).
func Refused(m Media) Media {
	return Media{Kind: m.Kind, Proto: m.Proto, Formats: m.Formats, TelephoneEvent: -1}
}
