package contacts

import (
	"context"
	"errors"
	"strings"
)

// ImportAction is what an import does with one row.
type ImportAction string

// Import actions.
const (
	ImportAdd    ImportAction = "add"    // a new contact
	ImportUpdate ImportAction = "update" // an existing contact gets the row's new numbers
	ImportSkip   ImportAction = "skip"   // the book already has the contact with all its numbers
)

// PlannedRow is one good row of an import and what the import does with
// it.
type PlannedRow struct {
	Row     int          `json:"row"`
	Action  ImportAction `json:"action"`
	Name    string       `json:"name"`
	Company string       `json:"company,omitempty"`
	// New are the numbers the row adds (international format): all of
	// them for an added contact, none for a skipped one.
	New []string `json:"new,omitempty"`

	contact Contact // what is stored: the row, or the existing contact with the new numbers
}

// ImportPlan is what importing rows would do, in the rows' order.
type ImportPlan struct {
	Rows   []PlannedRow
	Errors []RowError
}

// Count returns how many rows the plan gives action.
func (p ImportPlan) Count(action ImportAction) int {
	n := 0
	for _, r := range p.Rows {
		if r.Action == action {
			n++
		}
	}
	return n
}

// importKey is what makes two contacts the same for an import: the
// name and company, without regard to case.
func importKey(c Contact) string { return searchKey(c) }

// PlanImport works out what Import would do with rows, changing nothing.
// A row is the same contact as a stored one (or an earlier row) with the
// same name and company, compared without regard to case: its numbers
// that the contact lacks are added to it (update), and a row that brings
// none is skipped. So importing one file twice adds nothing the second
// time.
func (b *Book) PlanImport(ctx context.Context, rows []Row) (ImportPlan, error) {
	all, err := b.All(ctx)
	if err != nil {
		return ImportPlan{}, err
	}
	known := map[string]Contact{}
	for _, c := range all {
		if _, dup := known[importKey(c)]; !dup {
			known[importKey(c)] = c
		}
	}
	planned := map[string]int{} // key -> index in plan.Rows of the row that adds it
	var plan ImportPlan
	for _, r := range rows {
		c := r.Contact
		if r.Err == nil {
			c, r.Err = b.Normalize(c)
		}
		if r.Err != nil {
			if !errors.Is(r.Err, ErrInvalid) {
				return plan, r.Err
			}
			plan.Errors = append(plan.Errors, RowError{Row: r.Row, Name: r.Contact.Name, Error: strings.TrimPrefix(r.Err.Error(), "contacts: ")})
			continue
		}
		key := importKey(c)
		pr := PlannedRow{Row: r.Row, Name: c.Name, Company: c.Company}
		base, ok := known[key]
		if !ok {
			pr.Action, pr.contact = ImportAdd, c
			for _, n := range c.Numbers {
				pr.New = append(pr.New, n.Number)
			}
			planned[key] = len(plan.Rows)
			plan.Rows = append(plan.Rows, pr)
			known[key] = c
			continue
		}
		merged := base
		merged.Numbers = append([]Number(nil), base.Numbers...)
		for _, n := range c.Numbers {
			if !hasNumber(merged.Numbers, n) && len(merged.Numbers) < MaxNumbers {
				merged.Numbers = append(merged.Numbers, n)
				pr.New = append(pr.New, n.Number)
			}
		}
		known[key] = merged
		switch i, earlier := planned[key]; {
		case len(pr.New) == 0:
			pr.Action = ImportSkip
		case earlier: // a second row of a contact the file adds: it joins that row
			plan.Rows[i].contact.Numbers = merged.Numbers
			plan.Rows[i].New = append(plan.Rows[i].New, pr.New...)
			pr.Action, pr.New = ImportSkip, nil
		default:
			pr.Action, pr.contact = ImportUpdate, merged
		}
		plan.Rows = append(plan.Rows, pr)
	}
	return plan, nil
}

// hasNumber reports whether ns has n's number with its label.
func hasNumber(ns []Number, n Number) bool {
	for _, x := range ns {
		if x.E164 == n.E164 && x.Label == n.Label {
			return true
		}
	}
	return false
}

// ApplyImport stores what plan adds and updates.
func (b *Book) ApplyImport(ctx context.Context, plan ImportPlan) error {
	for _, r := range plan.Rows {
		var err error
		switch r.Action {
		case ImportAdd:
			_, err = b.Create(ctx, r.contact)
		case ImportUpdate:
			_, err = b.Update(ctx, r.contact)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
