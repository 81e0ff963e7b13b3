// Package faxfile stores a fax as it is received: each confirmed page is
// written to a TIFF-F file at once, so that a call that drops keeps the
// pages before it. It is the file of `faxd receive` and of the demo's
// remote fax machine; the appliance's own inbox is the store's.
package faxfile

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"faxbox/firmware/daemon"
	"faxbox/pages"
	"faxbox/t30"
)

// File is a TIFF-F file being received. Create it with [Create], give
// [File.Add] as t30.Options.OnPage, and [File.Finish] it after the call.
type File struct {
	name string
	tmp  *os.File
	bw   *bufio.Writer
	tw   *pages.TIFFWriter
	n    int
}

// Create starts the file that Finish names name; until then the pages go
// to a hidden temporary file beside it.
func Create(name string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".fax-*.tif")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(tmp)
	tw, err := pages.NewTIFFWriter(bw, 0)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return &File{name: name, tmp: tmp, bw: bw, tw: tw}, nil
}

// Add writes a confirmed page in the coding it was sent with.
func (f *File) Add(p t30.ReceivedPage) error {
	f.n++
	return daemon.WriteReceivedPage(f.tw, p)
}

// Finish completes the file and returns its name, or removes it and
// returns "" when no page came.
func (f *File) Finish() (string, error) {
	defer f.tmp.Close()
	if f.n == 0 {
		os.Remove(f.tmp.Name())
		return "", nil
	}
	err := f.tw.Close()
	if err == nil {
		err = f.bw.Flush()
	}
	if err == nil {
		err = f.tmp.Sync()
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.name)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return "", fmt.Errorf("storing the received fax: %w", err)
	}
	return f.name, nil
}
