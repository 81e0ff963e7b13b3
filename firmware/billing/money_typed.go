package billing

import "strings"

// ParseTyped reads an amount as people type it: Parse's forms, and also
// with a decimal comma ("20,00", "-0,5") and with thousands separators
// ("1.234,56", "1,234.56", "1 234,56"). A lone separator followed by
// exactly three digits ("1,234", "1.234") is ambiguous and refused.
func (c Currency) ParseTyped(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	num, code := t, ""
	if f := strings.Fields(t); len(f) >= 2 {
		switch {
		case strings.IndexFunc(f[0], isLetter) >= 0:
			code, num = f[0], strings.Join(f[1:], "")
		case strings.IndexFunc(f[len(f)-1], isLetter) >= 0:
			code, num = f[len(f)-1], strings.Join(f[:len(f)-1], "")
		default:
			num = strings.Join(f, "")
		}
	}
	dot, comma := strings.LastIndexByte(num, '.'), strings.LastIndexByte(num, ',')
	switch {
	case dot >= 0 && comma >= 0 && comma > dot: // 1.234,56
		num = strings.ReplaceAll(num[:comma], ".", "") + "." + num[comma+1:]
	case dot >= 0 && comma >= 0: // 1,234.56
		num = strings.ReplaceAll(num, ",", "")
	case comma >= 0 && strings.Count(num, ",") == 1 && len(num)-comma-1 != 3: // 20,00
		num = strings.Replace(num, ",", ".", 1)
	case comma >= 0:
		return 0, &amountError{input: s}
	case dot >= 0 && strings.Count(num, ".") > 1:
		return 0, &amountError{input: s}
	}
	if code != "" {
		num = code + " " + num
	}
	return c.Parse(num)
}

// amountError is an amount that could be read two ways.
type amountError struct{ input string }

func (e *amountError) Error() string {
	return "billing: amount \"" + e.input + "\": write it with the decimals, like 20.00 or 20,00"
}

func (e *amountError) Unwrap() error { return ErrInvalidAmount }
