package billing

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvHeader returns the first record of a tariff CSV file.
func csvHeader() []string {
	return []string{"prefix", "name", "currency", "per_minute", "first_seconds", "step_seconds", "minimum", "connection_fee"}
}

// ReadTableCSV reads a tariff in CSV: a header record
//
//	prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee
//
// then one record per rate, amounts as decimals in the currency's main
// unit ("0.06"). Lines starting with '#' are comments. All rows must be in
// one currency; errors name the line.
func ReadTableCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = len(csvHeader())
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrBadTariff, err)
	}
	for i, h := range csvHeader() {
		if strings.TrimSpace(strings.ToLower(head[i])) != h {
			return nil, fmt.Errorf("%w: header column %d is %q, want %q", ErrBadTariff, i+1, head[i], h)
		}
	}
	var (
		rates    []Rate
		currency Currency
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadTariff, err)
		}
		line, _ := cr.FieldPos(0)
		rate, err := parseRateRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrBadTariff, line, err)
		}
		if currency == "" {
			currency = rate.Currency
		} else if rate.Currency != currency {
			return nil, fmt.Errorf("%w: line %d: currency %s, earlier lines %s", ErrCurrency, line, rate.Currency, currency)
		}
		rates = append(rates, rate)
	}
	return NewTable(currency, rates)
}

func parseRateRecord(rec []string) (Rate, error) {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	cur, err := ParseCurrency(rec[2])
	if err != nil {
		return Rate{}, err
	}
	r := Rate{Prefix: strings.TrimPrefix(rec[0], "+"), Name: rec[1], Currency: cur}
	amounts := []*Amount{&r.PerMinute, &r.Minimum, &r.ConnectFee}
	for i, col := range []int{3, 6, 7} {
		if *amounts[i], err = cur.Parse(rec[col]); err != nil {
			return Rate{}, fmt.Errorf("%s: %w", csvHeader()[col], err)
		}
	}
	for i, p := range []*int{&r.First, &r.Step} {
		col := 4 + i
		if *p, err = strconv.Atoi(rec[col]); err != nil {
			return Rate{}, fmt.Errorf("%s: %q is not a whole number of seconds", csvHeader()[col], rec[col])
		}
	}
	return r, r.validate()
}

// WriteCSV writes the table in the format ReadTableCSV reads, each line of
// comment (if any) first as a '#' line.
func (t *Table) WriteCSV(w io.Writer, comment string) error {
	if comment != "" {
		for _, l := range strings.Split(strings.TrimRight(comment, "\n"), "\n") {
			if _, err := fmt.Fprintf(w, "# %s\n", l); err != nil {
				return fmt.Errorf("billing: write tariff: %w", err)
			}
		}
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader())
	for _, r := range t.rates {
		_ = cw.Write([]string{r.Prefix, r.Name, string(r.Currency),
			r.Currency.FormatNumber(r.PerMinute), strconv.Itoa(r.First), strconv.Itoa(r.Step),
			r.Currency.FormatNumber(r.Minimum), r.Currency.FormatNumber(r.ConnectFee)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("billing: write tariff: %w", err)
	}
	return nil
}
