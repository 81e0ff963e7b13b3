package layers_test

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the module path of the repository.
const module = "faxbox"

// layers lists the module's packages from the lowest layer up, as go
// list patterns: "x" is package x, "x/..." is x and every package below
// it. A package may import packages of its own layer and of lower ones
// only.
var layers = [][]string{
	{"internal/...", "pages/..."},
	{"modem/...", "t38/...", "sip/...", "board/..."},
	{"t30/...", "sipline/..."},
	{"firmware/events", "firmware/numbers", "firmware/config", "firmware/store", "firmware/billing", "firmware/users",
		"firmware/contacts", "firmware/supervisor", "firmware/setupcode"},
	{"firmware/daemon", "firmware/panel", "firmware/housekeep", "firmware/notify", "firmware/mailgw",
		"firmware/submission", "firmware/console", "firmware/faxfile", "firmware/demo", "firmware/report", "firmware/dbcompat",
		"firmware/backup"},
	{"firmware/api"},
	{"ui/..."},
	{"firmware/settings", "firmware/installer/..."},
	{"firmware/appliance"},
	{"firmware"},
}

// layerOf returns the layer of package rel (relative to the module), -1
// when none.
func layerOf(rel string) int {
	for i, l := range layers {
		for _, p := range l {
			if tree, ok := strings.CutSuffix(p, "/..."); ok {
				if rel == tree || strings.HasPrefix(rel, tree+"/") {
					return i
				}
			} else if rel == p {
				return i
			}
		}
	}
	return -1
}

// TestImportsGoOneWay reads the imports of every package of the module
// (their non-test files, as built here) and fails for each import of a
// higher layer and each package that no layer lists.
func TestImportsGoOneWay(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".") || name == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go package here (or only tests)
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		checked++
		layer := layerOf(rel)
		if layer < 0 {
			t.Errorf("package %s/%s is in no layer: add it to the table in this test", module, rel)
			return nil
		}
		for _, imp := range pkg.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if l := layerOf(dep); l > layer {
				t.Errorf("%s/%s (layer %d: %s) imports %s (layer %d: %s): lower layers never import higher ones",
					module, rel, layer, strings.Join(layers[layer], " "), imp, l, strings.Join(layers[l], " "))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d packages found under %s", checked, root)
	}
}

// TestLayerOf checks the table's lookup: trees and single packages, main
// on top, and a new package under firmware/ in no layer until listed.
func TestLayerOf(t *testing.T) {
	for rel, want := range map[string]int{
		"pages/render": 0, "modem/sim": 1, "t30": 2, "firmware/store": 3, "firmware/api": 5,
		"firmware/appliance": 8, "firmware": 9, "firmwarex": -1, "firmware/new": -1, "ui/web": 6, "t30x": -1,
	} {
		if got := layerOf(rel); got != want {
			t.Errorf("layerOf(%q) = %d, want %d", rel, got, want)
		}
	}
	var all []string
	for _, l := range layers {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(slices.Compact(all)) != len(all) {
		t.Error("a package is listed in two layers")
	}
}
