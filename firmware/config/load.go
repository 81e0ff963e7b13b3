package config

import (
	"bytes"
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Load reads the TOML configuration file at path, applies the defaults for
// every key it leaves out, and validates the result. Its errors are
// *FieldError values (joined when there are several) that name the file,
// the line and the key: a syntax error, a value of the wrong type, an
// unknown key, or what Validate finds.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		for _, fe := range FieldErrors(err) {
			fe.File = path
		}
		return nil, err
	}
	return c, nil
}

// Parse is Load for a configuration already in memory. Its errors carry
// lines but no file name.
func Parse(data []byte) (*Config, error) {
	pos := keyPositions(data)
	c := Default()
	if pos.hasPrefix("modems") || pos.hasPrefix("sip") {
		c.Modems = nil // the file's lines ([[modems]], [[sip]]) replace the default modem
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// Unknown keys are found here rather than by the decoder's strict
	// mode alone, so that they are all reported along with a type error.
	unknown := pos.unknown()
	if wrong := pos.notStrings(); len(wrong) > 0 {
		return nil, errors.Join(append(unknown, wrong...)...)
	}
	if err := dec.Decode(c); err != nil {
		var strict *toml.StrictMissingError
		if len(unknown) == 0 || !errors.As(err, &strict) {
			return nil, errors.Join(append(unknown, decodeError(err, pos))...)
		}
		// Only unknown keys, found above: go on to report what Validate
		// finds in the rest, all at once.
	}
	def := reflect.ValueOf(DefaultModem())
	for i := range c.Modems {
		m := reflect.ValueOf(&c.Modems[i]).Elem()
		for f := range m.NumField() {
			if !pos.has(fmt.Sprintf("modems[%d].%s", i, tomlName(m.Type().Field(f)))) {
				m.Field(f).Set(def.Field(f))
			}
		}
	}
	c.sipDefaults(pos)
	err := c.Validate()
	for _, fe := range FieldErrors(err) {
		fe.Line = pos.line(fe.Key)
	}
	if err != nil || len(unknown) > 0 {
		return nil, errors.Join(append(unknown, err)...)
	}
	return c, nil
}

// Marshal writes c as TOML, every key with its value. Comments are not
// kept: faxbox.example.toml explains the keys.
func (c *Config) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Faxbox configuration. Every key is explained in faxbox.example.toml.\n\n")
	enc := toml.NewEncoder(&b)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return b.Bytes(), nil
}

// Save validates c and writes it to path atomically (a temporary file in
// the same directory, synced, then renamed over path), so that a power cut
// leaves either the old file or the new one.
func (c *Config) Save(path string) (err error) {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".faxbox-*.toml")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() //nolint:errcheck // best effort: the rename is done
		d.Close()
	}
	return nil
}

// positions maps each key written in a document, with array elements
// indexed from 0 ("modems[1].flow", "web.listen[0]"), to its line and the
// kind of its value.
type positions map[string]keyInfo

type keyInfo struct {
	line int
	kind unstable.Kind
}

func (p positions) has(key string) bool { _, ok := p[key]; return ok }

func (p positions) hasPrefix(key string) bool {
	for k := range p {
		if k == key || strings.HasPrefix(k, key+".") || strings.HasPrefix(k, key+"[") {
			return true
		}
	}
	return false
}

// line returns the line of key, or of the closest enclosing key written
// in the document, or 0.
func (p positions) line(key string) int {
	for key != "" {
		if ki, ok := p[key]; ok {
			return ki.line
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

// indexed returns the indexed form of a key that the decoder reports
// without indexes ("modems.flow"), using the line it reported.
func (p positions) indexed(key []string, line int) string {
	plain := strings.Join(key, ".")
	for k, ki := range p {
		if ki.line == line && arrayIndex.ReplaceAllString(k, "") == plain {
			return k
		}
	}
	return plain
}

var arrayIndex = regexp.MustCompile(`\[[0-9]+\]`)

// kindNames names the kinds of TOML values in messages.
var kindNames = map[unstable.Kind]string{
	unstable.Integer: "integer", unstable.Float: "float", unstable.Bool: "boolean",
	unstable.Array: "array", unstable.InlineTable: "table",
	unstable.LocalDate: "date", unstable.LocalTime: "time of day",
	unstable.LocalDateTime: "date-time", unstable.DateTime: "date-time",
}

// notStrings returns a FieldError for every value that must be a string
// (a Duration, Money, TimeRange, DiskLimit) and is not. The decoder would
// store an integer into a Duration or Money as nanoseconds or
// micro-units, and report other kinds without a line.
func (p positions) notStrings() []error {
	var errs []error
	keys := slices.SortedFunc(maps.Keys(p), func(a, b string) int {
		return cmp.Or(cmp.Compare(p[a].line, p[b].line), cmp.Compare(a, b))
	})
	for _, k := range keys {
		ki := p[k]
		t := fieldType(strings.Split(arrayIndex.ReplaceAllString(k, ""), "."))
		if ki.kind == unstable.String || t == nil || !reflect.PointerTo(t).Implements(textUnmarshaler) {
			continue
		}
		if strings.HasSuffix(k, "]") {
			continue // an element of a value already reported
		}
		errs = append(errs, &FieldError{Line: ki.line, Key: k, Msg: fmt.Sprintf("want a string, not a TOML %s (write it in quotes)", kindNames[ki.kind])})
	}
	return errs
}

// unknown returns a FieldError for every key in the document that Config
// does not have (only the outermost when a whole table is unknown), in
// the order of the document.
func (p positions) unknown() []error {
	var errs []*FieldError
	for k, ki := range p {
		parts := strings.Split(arrayIndex.ReplaceAllString(k, ""), ".")
		if fieldType(parts) != nil {
			continue
		}
		if i := strings.LastIndexByte(k, '['); strings.HasSuffix(k, "]") && i > 0 {
			if _, ok := p[k[:i]]; ok {
				continue // an element of an unknown array, reported as a whole
			}
		}
		parent := fieldType(parts[:len(parts)-1])
		for parent != nil && parent.Kind() == reflect.Slice {
			parent = parent.Elem()
		}
		if parent == nil || parent.Kind() != reflect.Struct || reflect.PointerTo(parent).Implements(textUnmarshaler) {
			continue // inside an unknown table, or a value of the wrong type
		}
		errs = append(errs, &FieldError{Line: ki.line, Key: k, Msg: unknownKeyMsg(parts), Err: ErrUnknownKey})
	}
	slices.SortFunc(errs, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Key, b.Key))
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}

// keyPositions walks the document and records where every key is. A
// syntax error ends the walk; the decoder reports it.
func keyPositions(data []byte) positions {
	pos := positions{}
	var p unstable.Parser
	p.Reset(data)
	line := func(n *unstable.Node) int { return p.Shape(n.Raw).Start.Line }
	counts := map[string]int{} // array tables seen, by path
	// resolve joins key parts onto base, indexing array tables.
	resolve := func(base string, it unstable.Iterator, last bool) (string, *unstable.Node) {
		path := base
		var first *unstable.Node
		for it.Next() {
			n := it.Node()
			if first == nil {
				first = n
			}
			if path != "" {
				path += "."
			}
			path += string(n.Data)
			if c, ok := counts[path]; ok && !(last && it.IsLast()) {
				path += fmt.Sprintf("[%d]", c-1)
			}
		}
		return path, first
	}
	var value func(key string, n *unstable.Node)
	value = func(key string, n *unstable.Node) {
		switch n.Kind {
		case unstable.InlineTable:
			for it := n.Children(); it.Next(); {
				kv := it.Node()
				k, kn := resolve(key, kv.Key(), false)
				pos[k] = keyInfo{line(kn), kv.Value().Kind}
				value(k, kv.Value())
			}
		case unstable.Array:
			i := 0
			for it := n.Children(); it.Next(); i++ {
				e := it.Node()
				k := fmt.Sprintf("%s[%d]", key, i)
				l := line(e)
				if l == 0 {
					l = pos[key].line
				}
				pos[k] = keyInfo{l, e.Kind}
				value(k, e)
			}
		}
	}
	table := ""
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table:
			k, kn := resolve("", n.Key(), false)
			table = k
			pos[k] = keyInfo{line(kn), unstable.InlineTable}
		case unstable.ArrayTable:
			k, kn := resolve("", n.Key(), true)
			counts[k]++
			table = fmt.Sprintf("%s[%d]", k, counts[k]-1)
			pos[table] = keyInfo{line(kn), unstable.InlineTable}
		case unstable.KeyValue:
			k, kn := resolve(table, n.Key(), false)
			pos[k] = keyInfo{line(kn), n.Value().Kind}
			value(k, n.Value())
		}
	}
	return pos
}

// decodeError turns the decoder's errors into FieldErrors.
func decodeError(err error, pos positions) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for _, e := range strict.Errors {
			row, _ := e.Position()
			key := pos.indexed(e.Key(), row)
			errs = append(errs, &FieldError{Line: row, Key: key, Msg: unknownKeyMsg(e.Key()), Err: ErrUnknownKey})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		key := pos.indexed(de.Key(), row)
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if m := wrongType.FindStringSubmatch(msg); m != nil {
			if t := fieldType(de.Key()); t != nil {
				msg = fmt.Sprintf("want %s, not a TOML %s", describe(t), m[1])
			}
		}
		return &FieldError{Line: row, Key: key, Msg: msg, Err: err}
	}
	return &FieldError{Msg: strings.TrimPrefix(err.Error(), "toml: "), Err: err}
}

var wrongType = regexp.MustCompile(`^cannot decode TOML (\w+) `)

// tomlName returns the key of a struct field.
func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// fieldType returns the Go type of the Config field at key, or nil.
func fieldType(key []string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, k := range key {
		for t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		found := false
		for i := range t.NumField() {
			if tomlName(t.Field(i)) == k {
				t, found = t.Field(i).Type, true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return t
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// describe says in words what TOML value a Go type takes.
func describe(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct && !reflect.PointerTo(t.Elem()).Implements(textUnmarshaler) {
			return "an array of tables ([[" + "...]])"
		}
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	case reflect.Struct:
		return "a table"
	}
	return t.String()
}

// removedKeys are keys that earlier versions had, with what to write
// instead: a file still using one is refused with that advice rather
// than keeping a meaning the key no longer has.
var removedKeys = map[string]string{
	"email_to_fax.allowed_networks": "removed: it let every client on those networks send faxes in any account's " +
		"name; list only the office mail server in email_to_fax.relay_hosts (addresses or CIDR networks), " +
		"and let everyone else sign in with SMTP AUTH",
}

// unknownKeyMsg says why key is not accepted: a removed key's advice, or
// "unknown key" with the closest known key.
func unknownKeyMsg(key []string) string {
	if why, ok := removedKeys[strings.Join(key, ".")]; ok {
		return why
	}
	msg := "unknown key"
	if s := suggest(key); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return msg
}

// suggest returns the known key closest to an unknown one, or "".
func suggest(key []string) string {
	if len(key) == 0 {
		return ""
	}
	parent := fieldType(key[:len(key)-1])
	for parent != nil && parent.Kind() == reflect.Slice {
		parent = parent.Elem()
	}
	if parent == nil || parent.Kind() != reflect.Struct {
		return ""
	}
	bad := key[len(key)-1]
	best, bestD := "", 2 // one edit away for short keys
	if len(bad) > 5 {
		bestD = 3 // two for longer ones
	}
	for i := range parent.NumField() {
		name := tomlName(parent.Field(i))
		if d := editDistance(bad, name); d < bestD {
			best, bestD = name, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// letters ("buad" is one edit from "baud").
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
