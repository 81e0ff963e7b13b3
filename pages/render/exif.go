package render

import (
	"bytes"
	"encoding/binary"
)

// jpegOrientation returns the EXIF Orientation tag (1 to 8) of a JPEG
// file, or 1 when there is none or it cannot be read. It walks the marker
// segments before the first scan, finds an APP1 "Exif" segment and reads
// tag 0x0112 from IFD0 of the TIFF structure inside it (EXIF 2.3 4.6.4).
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return 1
		}
		m := data[i+1]
		if m == 0xff { // fill byte
			i++
			continue
		}
		if m == 0xda || m == 0xd9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads the Orientation tag from IFD0 of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient maps coordinates of the image as it is to be shown (after EXIF
// orientation and any rotation to portrait) back to the stored pixels:
// sx = xx*x + xy*y + x0, sy = yx*x + yy*y + y0. W and H are the shown size.
type orient struct {
	xx, xy, x0, yx, yy, y0 int
	w, h                   int
}

// exifOrient returns the mapping for EXIF orientation o of a stored w x h
// image (EXIF 2.3 Table 4: 1 is upright, 6 needs a 90 degree clockwise turn,
// 8 a counter-clockwise one, 3 a half turn; 2, 4, 5, 7 are mirrored).
func exifOrient(o, w, h int) orient {
	switch o {
	case 2:
		return orient{-1, 0, w - 1, 0, 1, 0, w, h}
	case 3:
		return orient{-1, 0, w - 1, 0, -1, h - 1, w, h}
	case 4:
		return orient{1, 0, 0, 0, -1, h - 1, w, h}
	case 5:
		return orient{0, 1, 0, 1, 0, 0, h, w}
	case 6:
		return orient{0, 1, 0, -1, 0, h - 1, h, w}
	case 7:
		return orient{0, -1, w - 1, -1, 0, h - 1, h, w}
	case 8:
		return orient{0, -1, w - 1, 1, 0, 0, h, w}
	}
	return orient{1, 0, 0, 0, 1, 0, w, h}
}

// rotateCCW returns the mapping of the shown image turned a quarter turn
// counter-clockwise, so that its top edge comes to the left: the usual way
// a landscape page is printed on portrait paper.
func (o orient) rotateCCW() orient {
	// Shown (x, y) of the rotated image comes from (w-1-y, x) before it.
	return orient{
		xx: o.xy, xy: -o.xx, x0: o.xx*(o.w-1) + o.x0,
		yx: o.yy, yy: -o.yx, y0: o.yx*(o.w-1) + o.y0,
		w: o.h, h: o.w,
	}
}

// swapsAxes reports whether shown rows are stored columns.
func (o orient) swapsAxes() bool { return o.xx == 0 }
