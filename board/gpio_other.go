//go:build !linux

package board

// OpenChip returns ErrUnsupported: GPIO character devices exist on Linux
// only. Boards elsewhere run without LEDs, buttons or power lines.
func OpenChip(name string) (Chip, error) {
	return nil, ErrUnsupported
}
