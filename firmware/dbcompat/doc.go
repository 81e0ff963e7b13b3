// Package dbcompat holds no code, only tests: they open a copy of a
// faxbox.db written by an earlier release (testdata/faxbox-v1.db, made
// by makefixture_test.go) with today's packages on one database handle,
// and check that migrating it loses nothing.
package dbcompat
