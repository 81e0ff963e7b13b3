package billing

import (
	"bytes"
	_ "embed" // for the default tariff
	"fmt"
)

//go:generate go run gen_tariffs.go

// defaultTariffCSV is the example tariff shipped with Faxbox, made by
// gen_tariffs.go from the numbering metadata: one rate per country calling
// code (and a few mobile prefixes). Its prices are EXAMPLES that the
// reseller replaces.
//
//go:embed tariffs_default.csv
var defaultTariffCSV []byte

// DefaultTableCSV returns the embedded example tariff as CSV.
func DefaultTableCSV() []byte { return bytes.Clone(defaultTariffCSV) }

// DefaultTable returns the embedded example tariff (in EUR), covering
// every ITU country calling code. Its prices are examples, not anyone's
// real prices: a reseller imports its own table.
func DefaultTable() (*Table, error) {
	t, err := ReadTableCSV(bytes.NewReader(defaultTariffCSV))
	if err != nil {
		return nil, fmt.Errorf("billing: embedded default tariff: %w", err)
	}
	return t, nil
}
