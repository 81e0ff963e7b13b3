package t38

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PcapRecord is one captured datagram: Out ones go from port 4000 to
// port 5000 on loopback, the others back.
type PcapRecord struct {
	Data []byte
	Out  bool
}

// writePcap writes datagrams sent from port 4000 to port 5000.
func writePcap(t *testing.T, path string, dgs [][]byte) {
	t.Helper()
	recs := make([]PcapRecord, len(dgs))
	for i, d := range dgs {
		recs[i] = PcapRecord{Data: d, Out: true}
	}
	WritePcap(t, path, recs)
}

// WritePcap writes the datagrams as a classic pcap file (Ethernet link
// type) of UDP on loopback.
func WritePcap(t testing.TB, path string, recs []PcapRecord) {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	for i, r := range recs {
		p := r.Data
		src, dst := uint16(5000), uint16(4000)
		if r.Out {
			src, dst = dst, src
		}
		udp := binary.BigEndian.AppendUint16(nil, src)
		udp = binary.BigEndian.AppendUint16(udp, dst)
		udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(p)))
		udp = append(binary.BigEndian.AppendUint16(udp, 0), p...)
		ip := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
		frame := append(append(make([]byte, 12), 8, 0), append(ip, udp...)...)
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], uint32(i))
		le.PutUint32(rec[8:], uint32(len(frame)))
		le.PutUint32(rec[12:], uint32(len(frame)))
		b.Write(rec)
		b.Write(frame)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Tshark decodes a capture as T.38 on port 5000 and returns its verbose
// output, failing on any malformed packet or error expert info other than
// those whose text is in allow.
func Tshark(t testing.TB, path string, pre bool, allow ...string) string {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-r", path, "-d", "udp.port==5000,t38",
		"-o", "t38.use_pre_corrigendum_asn1_specification:"+strings.ToUpper(fmt.Sprint(pre)), "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	s := string(out)
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, "[Malformed") && !strings.Contains(line, "Expert Info (Error") && !strings.Contains(line, "Dissector bug") {
			continue
		}
		if !allowed(line, allow) {
			i := strings.Index(s, line)
			t.Fatalf("tshark: %s\nin: %s", strings.TrimSpace(line), s[max(0, i-3000):i])
		}
	}
	return s
}

func allowed(line string, allow []string) bool {
	for _, a := range allow {
		if strings.Contains(line, a) {
			return true
		}
	}
	return false
}

// everyPacket lists every indicator, data type and field type the syntax
// can carry.
func everyPacket(syn Syntax) []Packet {
	nInd, nData, nField := numIndicators, numDataTypes, numFieldTypes
	if syn.Version == 0 {
		nInd, nData = indicatorRoot, dataRoot
	}
	if syn.pre() {
		nField = fieldRoot
	}
	var ps []Packet
	for i := range nInd {
		ps = append(ps, Packet{Indicator: Indicator(i)})
	}
	for d := range nData {
		for f := range nField {
			ps = append(ps, Packet{IsData: true, Data: DataType(d), Fields: []Field{{Type: FieldType(f), Data: []byte{0x30 + byte(f)}}}})
		}
		ps = append(ps, Packet{IsData: true, Data: DataType(d), Fields: []Field{
			{Type: HDLCData, Data: []byte{0xff, 0x13, 0x80}}, {Type: HDLCFCSOK}, {Type: HDLCSigEnd}}})
	}
	return ps
}

// TestTsharkDecodesEveryPacketType has Wireshark's T.38 dissector, an
// independent reading of T.38 Annex A, decode every packet type in UDPTL
// datagrams with redundancy and with FEC, in both syntaxes, and checks the
// names it reports.
func TestTsharkDecodesEveryPacketType(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatalf("tshark (Debian package tshark) is needed: %v", err)
	}
	for _, syn := range []Syntax{{Version: 3}, {Version: 0, PreCorrigendum: true}} {
		ps := everyPacket(syn)
		var dgs [][]byte
		for i, mode := range []ErrorCorrection{ECRedundancy, ECFEC} {
			e := &Encoder{Mode: mode, seq: uint16(i * 30000)}
			for _, p := range ps {
				ifp, err := syn.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				b, err := e.Encode(ifp, 3)
				if err != nil {
					t.Fatal(err)
				}
				dgs = append(dgs, b)
			}
		}
		path := filepath.Join(t.TempDir(), "every.pcap")
		writePcap(t, path, dgs)
		out := Tshark(t, path, syn.pre())
		for _, p := range ps {
			name := "t30-indicator: " + p.Indicator.String()
			if p.IsData {
				name = "t30-data: " + p.Data.String()
			}
			if !strings.Contains(out, name) {
				t.Errorf("%+v: tshark never shows %q", syn, name)
			}
		}
		nField := FieldType(numFieldTypes)
		if syn.pre() {
			nField = fieldRoot
		}
		for f := range nField {
			if !strings.Contains(out, "field-type: "+f.String()) {
				t.Errorf("%+v: tshark never shows field type %v", syn, f)
			}
		}
		if n := strings.Count(out, "fec-info"); n == 0 {
			t.Errorf("%+v: no FEC datagram decoded", syn)
		}
	}
}
