package t38

// Deframe returns the HDLC frames of a bit stream as a class 1 modem
// carries it, and whether each one's FCS is right.
func Deframe(b []byte) (frames [][]byte, ok []bool) {
	d := &deframer{max: maxFrame, emit: func(f []byte, good bool) {
		frames = append(frames, append([]byte(nil), f...))
		ok = append(ok, good)
	}}
	d.write(b)
	return frames, ok
}
