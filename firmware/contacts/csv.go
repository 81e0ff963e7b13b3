package contacts

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Row is one contact read from an import file. Err, when not nil, says
// why the row cannot be imported; Contact is what could be read.
type Row struct {
	Row     int // the CSV line (the header is line 1) or the vCard's number in the file
	Contact Contact
	Err     error
}

// csvColumns are the columns WriteCSV writes, and what ReadCSV knows.
// Several numbers of one label are written in one cell, separated by
// csvSep.
var csvColumns = []string{"name", "company", "fax", "phone", "mobile"}

const csvSep = ";"

// csvAliases maps other header names that spreadsheets and other address
// books use to ours.
var csvAliases = map[string]string{
	"full name": "name", "display name": "name", "organisation": "company", "organization": "company",
	"fax number": "fax", "business fax": "fax", "telephone": "phone", "business phone": "phone",
	"mobile phone": "mobile", "cell": "mobile",
}

// WriteCSV writes contacts as CSV with a header line: name, company, fax,
// phone, mobile.
func WriteCSV(w io.Writer, cs []Contact) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("contacts: csv: %w", err)
	}
	for _, c := range cs {
		byLabel := map[Label][]string{}
		for _, n := range c.Numbers {
			byLabel[n.Label] = append(byLabel[n.Label], n.Number)
		}
		rec := []string{csvSafe(c.Name), csvSafe(c.Company)}
		for _, l := range []Label{Fax, Phone, Mobile} {
			rec = append(rec, strings.Join(byLabel[l], csvSep+" "))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("contacts: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("contacts: csv: %w", err)
	}
	return nil
}

// csvSafe defuses a cell that a spreadsheet would run as a formula
// (CSV injection) by prefixing an apostrophe, which ReadCSV removes.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ReadCSV reads contacts from CSV with a header line naming the columns
// (any order, any case; name is required, company, fax, phone and mobile
// are optional, other columns are ignored). Commas or semicolons may
// separate the fields. Numbers are not validated here: Book.Import does
// that. A row without a name comes back with Err set.
func ReadCSV(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImport+1))
	if err != nil {
		return nil, fmt.Errorf("contacts: csv: %w", err)
	}
	if len(data) > maxImport {
		return nil, fmt.Errorf("%w: the file is larger than %d bytes", ErrInvalid, maxImport)
	}
	text := strings.TrimPrefix(string(data), "\ufeff") // a BOM, as spreadsheets write
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if first, _, _ := strings.Cut(text, "\n"); strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: csv header: %v", ErrInvalid, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := csvAliases[h]; ok {
			h = a
		}
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["name"]; !ok {
		return nil, fmt.Errorf("%w: the CSV header has no \"name\" column (want %s)", ErrInvalid, strings.Join(csvColumns, ","))
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// A broken quote: what follows cannot be told apart.
			rows = append(rows, Row{Row: pe.StartLine, Err: fmt.Errorf("%w: %v; the rest of the file was not read", ErrInvalid, pe.Err)})
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("contacts: csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		cell := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if allEmpty(rec) {
			continue
		}
		c := Contact{Name: unCSVSafe(cell("name")), Company: unCSVSafe(cell("company"))}
		for _, l := range []Label{Fax, Phone, Mobile} {
			for _, n := range strings.Split(cell(string(l)), csvSep) {
				if n = strings.TrimSpace(n); n != "" {
					c.Numbers = append(c.Numbers, Number{Label: l, Number: n})
				}
			}
		}
		row := Row{Row: line, Contact: c}
		if c.Name == "" {
			row.Err = &InvalidError{Field: "name", Reason: "a contact needs a name"}
		}
		rows = append(rows, row)
	}
}

func unCSVSafe(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// maxImport bounds an import file.
const maxImport = 8 << 20
