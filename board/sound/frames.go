package sound

import (
	"encoding/binary"
	"fmt"
)

// The MPEG audio Layer III frame header (ISO/IEC 11172-3 §2.4.1.3, and
// ISO/IEC 13818-3 for MPEG-2 and the unofficial MPEG-2.5):
//
//	sync(11) version(2) layer(2) protection(1) bitrate(4) rate(2) padding(1) ...
var (
	bitratesV1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1}
	bitratesV2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1}
	// ratesByVersion is indexed by the version bits: 2.5, reserved, 2, 1.
	ratesByVersion = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}
)

// checkFrames walks data frame by frame, as go-mp3 does not tell a
// truncated or damaged file from a short one, and accepts only MPEG-1. data may start with an
// ID3v2 tag and end with an ID3v1 tag; every frame must be a Layer III
// frame that starts where the one before it ended, and the last must end
// where the data does.
func checkFrames(data []byte) error {
	pos := 0
	if len(data) >= 10 && string(data[:3]) == "ID3" {
		size := int(data[6]&0x7f)<<21 | int(data[7]&0x7f)<<14 | int(data[8]&0x7f)<<7 | int(data[9]&0x7f)
		pos = 10 + size
		if data[5]&0x10 != 0 { // footer present
			pos += 10
		}
	}
	end := len(data)
	if end-128 >= pos && string(data[end-128:end-125]) == "TAG" {
		end -= 128
	}
	frames := 0
	for pos < end {
		if end-pos < 4 {
			return fmt.Errorf("%w: %d stray bytes at byte %d", ErrFormat, end-pos, pos)
		}
		h := binary.BigEndian.Uint32(data[pos:])
		size, err := frameSize(h)
		if err != nil {
			return fmt.Errorf("%w: at byte %d: %v", ErrFormat, pos, err)
		}
		if h>>19&3 != 3 {
			// go-mp3 garbles MPEG-2 and 2.5 without a word
			// (github.com/hajimehoshi/go-mp3/issues/39).
			return fmt.Errorf("%w: MPEG-2 or 2.5 (below 32 kHz); encode it at 32, 44.1 or 48 kHz", ErrUnsupported)
		}
		if pos+size > end {
			return fmt.Errorf("%w: truncated: the frame at byte %d needs %d bytes, %d are left", ErrFormat, pos, size, end-pos)
		}
		pos += size
		frames++
	}
	if frames == 0 {
		return fmt.Errorf("%w: no audio frames", ErrFormat)
	}
	return nil
}

// frameSize returns the length in bytes of the Layer III frame whose
// header is h.
func frameSize(h uint32) (int, error) {
	if h>>21 != 0x7ff {
		return 0, fmt.Errorf("no frame sync (header %08x)", h)
	}
	version := h >> 19 & 3
	if version == 1 {
		return 0, fmt.Errorf("reserved MPEG version (header %08x)", h)
	}
	if h>>17&3 != 1 {
		return 0, fmt.Errorf("not Layer III (header %08x)", h)
	}
	rateIdx := h >> 10 & 3
	if rateIdx == 3 {
		return 0, fmt.Errorf("reserved sample rate (header %08x)", h)
	}
	rate := ratesByVersion[version][rateIdx]
	bitrates, perFrame := bitratesV2, 72
	if version == 3 {
		bitrates, perFrame = bitratesV1, 144
	}
	kbps := bitrates[h>>12&15]
	if kbps <= 0 {
		return 0, fmt.Errorf("free or bad bit rate (header %08x)", h)
	}
	return perFrame*kbps*1000/rate + int(h>>9&1), nil
}
