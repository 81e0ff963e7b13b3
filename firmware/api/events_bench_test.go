package api_test

import (
	"context"
	"encoding/json"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
)

// BenchmarkEvents200 connects 200 event stream clients (administrators:
// they see every event) and measures, per event, the time from the
// store's commit (AppendEvent returning; ms-commit is how long the
// commit itself took) to its receipt by the first, the
// median and the last of them; and the heap and stacks that the 200
// connections take, both ends counted (client and server run in this
// process), per connection.
func BenchmarkEvents200(b *testing.B) {
	const conns = 200
	e := newEnv(b, 50*billing.Unit, func(c *api.Config) { c.MaxEventClients, c.MaxEventClientsPerUser = conns, conns })
	ctx := context.Background()
	if _, err := e.st.AppendEvent(ctx, "bench", 0, map[string]int{"n": -1}); err != nil {
		b.Fatal(err)
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		c, _, err := e.dialEvents(b, adminToken, 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	for e.api.EventClients() < conns {
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse)) / conns

	got := make(chan time.Time, conns) // when each client received the event
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for {
				var f frame
				if err := c.ReadJSON(&f); err != nil {
					return
				}
				if f.Kind == "bench" {
					got <- time.Now()
				}
			}
		})
	}
	var first, median, last, commit []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := e.st.AppendEvent(ctx, "bench", 0, json.RawMessage(`{"n":`+itoa(int64(i))+`}`)); err != nil {
			b.Fatal(err)
		}
		committed := time.Now() // the commit (with its fsync) is done
		commit = append(commit, committed.Sub(start))
		ds := make([]time.Duration, 0, conns)
		for range conns {
			ds = append(ds, max((<-got).Sub(committed), 0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		first, median, last = append(first, ds[0]), append(median, ds[conns/2]), append(last, ds[conns-1])
	}
	b.StopTimer()
	mid := func(ds []time.Duration) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	b.ReportMetric(mid(commit), "ms-commit")
	b.ReportMetric(mid(first), "ms-first")
	b.ReportMetric(mid(median), "ms-median")
	b.ReportMetric(mid(last), "ms-last")
	b.ReportMetric(perConn/1024, "KiB/conn")
	for _, c := range clients {
		c.Close()
	}
	wg.Wait()
}
