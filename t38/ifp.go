package t38

import "fmt"

// Indicator is a T.30 indicator (T.38 clause 7.3 and Annex A
// Type-of-msg.t30-indicator): a signal the far gateway's modem is
// starting to send, or silence.
type Indicator uint8

// Indicators, in the order of their ASN.1 enumeration. The first 16 are the
// root of the type; the others are extension additions that only versions
// 1 and later can send (T.38 Annex A).
const (
	NoSignal Indicator = iota
	CNG
	CED
	V21Preamble
	V27ter2400Training
	V27ter4800Training
	V29At7200Training
	V29At9600Training
	V17At7200ShortTraining
	V17At7200LongTraining
	V17At9600ShortTraining
	V17At9600LongTraining
	V17At12000ShortTraining
	V17At12000LongTraining
	V17At14400ShortTraining
	V17At14400LongTraining
	V8ANSam
	V8Signal
	V34ControlChannel1200
	V34PrimaryChannel
	V34ControlChannelRetrain
	V33At12000Training
	V33At14400Training
	numIndicators
)

const indicatorRoot = 16

var indicatorNames = [...]string{
	"no-signal", "cng", "ced", "v21-preamble", "v27-2400-training", "v27-4800-training",
	"v29-7200-training", "v29-9600-training", "v17-7200-short-training", "v17-7200-long-training",
	"v17-9600-short-training", "v17-9600-long-training", "v17-12000-short-training",
	"v17-12000-long-training", "v17-14400-short-training", "v17-14400-long-training",
	"v8-ansam", "v8-signal", "v34-cntl-channel-1200", "v34-pri-channel", "v34-CC-retrain",
	"v33-12000-training", "v33-14400-training",
}

// String returns the ASN.1 name of i.
func (i Indicator) String() string {
	if i < numIndicators {
		return indicatorNames[i]
	}
	return fmt.Sprintf("indicator(%d)", uint8(i))
}

// DataType is the modulation whose data a data packet carries (T.38
// Annex A Type-of-msg.t30-data).
type DataType uint8

// Data types, in the order of their ASN.1 enumeration; the first 9 are the
// root, the others extension additions.
const (
	V21 DataType = iota
	V27ter2400
	V27ter4800
	V29At7200
	V29At9600
	V17At7200
	V17At9600
	V17At12000
	V17At14400
	V8
	V34PrimaryRate
	V34ControlChannel
	V34PrimaryChannelData
	V33At12000
	V33At14400
	numDataTypes
)

const dataRoot = 9

var dataNames = [...]string{
	"v21", "v27-2400", "v27-4800", "v29-7200", "v29-9600", "v17-7200", "v17-9600",
	"v17-12000", "v17-14400", "v8", "v34-pri-rate", "v34-CC-1200", "v34-pri-ch",
	"v33-12000", "v33-14400",
}

// String returns the ASN.1 name of d.
func (d DataType) String() string {
	if d < numDataTypes {
		return dataNames[d]
	}
	return fmt.Sprintf("data(%d)", uint8(d))
}

// FieldType says what a field of a data packet holds (T.38 clause 7.4
// and Annex A Data-Field.field-type).
type FieldType uint8

// Field types, in the order of their ASN.1 enumeration; the first 8 are
// the root, the others extension additions of the corrigendum syntax.
const (
	HDLCData FieldType = iota
	HDLCSigEnd
	HDLCFCSOK
	HDLCFCSBad
	HDLCFCSOKSigEnd
	HDLCFCSBadSigEnd
	T4NonECMData
	T4NonECMSigEnd
	CMMessage
	JMMessage
	CIMessage
	V34Rate
	numFieldTypes
)

const fieldRoot = 8

var fieldNames = [...]string{
	"hdlc-data", "hdlc-sig-end", "hdlc-fcs-OK", "hdlc-fcs-BAD", "hdlc-fcs-OK-sig-end",
	"hdlc-fcs-BAD-sig-end", "t4-non-ecm-data", "t4-non-ecm-sig-end", "cm-message",
	"jm-message", "ci-message", "v34rate",
}

// String returns the ASN.1 name of f.
func (f FieldType) String() string {
	if f < numFieldTypes {
		return fieldNames[f]
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

// Field is one element of a data packet's Data-Field. Data is empty when
// the optional field-data is absent.
type Field struct {
	Type FieldType
	Data []byte
}

// Packet is one IFP packet (T.38 Annex A IFPPacket). An indicator packet
// has IsData false and no Fields; a data packet has IsData true, a
// DataType and usually at least one Field.
type Packet struct {
	IsData    bool
	Indicator Indicator
	Data      DataType
	Fields    []Field
}

// String summarises p as a trace line shows it.
func (p Packet) String() string {
	if !p.IsData {
		return "ind:" + p.Indicator.String()
	}
	s := "data:" + p.Data.String()
	for _, f := range p.Fields {
		s += fmt.Sprintf(" %s/%d", f.Type, len(f.Data))
	}
	return s
}

// Syntax selects the ASN.1 the codec follows. Versions 1 to 3 use the
// later notation (T.38 Annex A.1); version 0 peers use either it or the
// 1998 notation (Annex A.2, before the corrigendum), in which
// Data-Field.field-type has no extension marker and a field without data
// takes only four bits, so the next field begins mid-octet.
type Syntax struct {
	// Version is the negotiated T38FaxVersion, 0 to 3. Extension
	// indicators, data types and field types need version 1 or later.
	Version int
	// PreCorrigendum selects the 1998 field-type syntax; it is honoured
	// only with Version 0.
	PreCorrigendum bool
}

func (s Syntax) pre() bool { return s.Version == 0 && s.PreCorrigendum }
