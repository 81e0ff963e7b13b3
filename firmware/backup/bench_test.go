package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/backup"
	"faxbox/firmware/store"
)

// BenchmarkWriteStage writes and stages the backup of a data directory
// with a message of 500 pages of 40 KiB (incompressible, as coded fax
// pages nearly are), reporting the archive's size and each half's time.
func BenchmarkWriteStage(b *testing.B) {
	a := newAppliance(b)
	ctx := context.Background()
	u, err := a.st.CreateUser(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var pf []store.PageFile
	for i := 1; i <= 500; i++ {
		rel := fmt.Sprintf("messages/bench/page-%03d.tif", i)
		a.page(b, rel, "") // makes the folder
		_, sum, err := store.WriteFile(filepath.Join(a.dir, rel), io.LimitReader(rand.Reader, 40<<10), 0o600)
		if err != nil {
			b.Fatal(err)
		}
		pf = append(pf, store.PageFile{Index: i, Path: rel, SHA256: sum})
	}
	if _, err := a.st.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "bench",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: pf}); err != nil {
		b.Fatal(err)
	}
	var write, stage time.Duration
	var size int
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		start := time.Now()
		if _, err := backup.Write(ctx, &buf, backup.Source{DataDir: a.dir, DB: a.db}); err != nil {
			b.Fatal(err)
		}
		write += time.Since(start)
		size = buf.Len()
		start = time.Now()
		if _, err := backup.Stage(ctx, &buf, filepath.Join(b.TempDir(), "data")); err != nil {
			b.Fatal(err)
		}
		stage += time.Since(start)
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB/archive")
	b.ReportMetric(write.Seconds()/float64(b.N), "s/write")
	b.ReportMetric(stage.Seconds()/float64(b.N), "s/stage")
}
