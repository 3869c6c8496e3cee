package projections

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// viewsState is every query's answer, for comparing a views file with a
// fresh rebuild: snapshot plus reconciliation, the queue by status and the
// confirmations.
func viewsState(t testing.TB, p *Projections) map[string]any {
	t.Helper()
	s := snapshot(p)
	for _, m := range []string{"2025-01", "2025-02", "2025-03"} {
		rep, err := p.Reconcile(m, time.Date(2025, 6, 1, 0, 0, 0, 0, shanghai))
		if err != nil {
			t.Fatal(err)
		}
		s["reconcile "+m] = rep
	}
	for _, st := range statuses[1:] {
		page, err := p.Invoices(Filter{Status: st, Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		s["queue "+string(st)] = page
	}
	s["open"] = p.OpenConfirmations("")
	s["position"] = p.Position()
	s["applied"] = p.applied.Load()
	return s
}

func openViews(t testing.TB, path string, store eventstore.Store, log *slog.Logger) *Projections {
	t.Helper()
	id, err := LogIdentity(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(path, Options{Identity: id, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// logViews opens a new views file for w's log, closed when the test ends.
func logViews(t testing.TB, w *world) *Projections {
	t.Helper()
	p := openViews(t, filepath.Join(t.TempDir(), "views.db"), newFakeStore(w.records), nil)
	t.Cleanup(func() { p.Close() })
	return p
}

// runUntil runs p on store until it has applied through pos, then stops Run.
func runUntil(t testing.TB, p *Projections, store eventstore.Store, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, store, p, nil) }()
	if err := p.WaitFor(ctx, pos); err != nil {
		t.Fatal(err)
	}
	for p.Stale() != "" || !p.Ready() { // a rebuild beside, then caught up
		if ctx.Err() != nil {
			t.Fatal("not rebuilt and caught up in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestViewsRestartCatchesUpFromItsPosition: a restart on a views file reads
// only the records after its position, and ends where applying every
// record once ends.
func TestViewsRestartCatchesUpFromItsPosition(t *testing.T) {
	t.Parallel()
	w := genLog(t, 3, 6, 6, 2, 0)
	half := len(w.records) / 2
	store := newFakeStore(w.records[:half])
	path := filepath.Join(t.TempDir(), "views.db")

	p := openViews(t, path, store, nil)
	runUntil(t, p, store, w.records[half-1].Position)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	store.add(w.records[half:]...)
	p = openViews(t, path, store, nil)
	before := store.yielded.Load() // after the first record, read for the log's identity
	defer p.Close()
	if got := p.Position(); got != w.records[half-1].Position {
		t.Fatalf("reopened at %d, want %d", got, w.records[half-1].Position)
	}
	runUntil(t, p, store, w.records[len(w.records)-1].Position)
	if read := store.yielded.Load() - before; read != int64(len(w.records)-half) {
		t.Errorf("the restart read %d records, want the %d after its position", read, len(w.records)-half)
	}
	want := applyAll(t, w.records)
	if got, exp := viewsState(t, p), viewsState(t, want); !reflect.DeepEqual(got, exp) {
		t.Error("the views after a restart differ from applying every record once")
	}
}

// setMeta changes a views file's meta bucket behind its back.
func setMeta(t testing.TB, path string, key []byte, value []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Put(key, value) }); err != nil {
		t.Fatal(err)
	}
}

// TestViewsRebuiltWhenUnusable: a file of another views version is served
// while it is rebuilt; a file of another log, of another format, unfinished
// or damaged is never served, and is rebuilt — each with a log line saying
// why.
func TestViewsRebuiltWhenUnusable(t *testing.T) {
	t.Parallel()
	w := genLog(t, 4, 4, 4, 2, 0)
	other := genLog(t, 5, 3, 3, 2, 0)
	last := w.records[len(w.records)-1].Position
	u64 := func(v uint64) []byte { return []byte{0, 0, 0, 0, 0, 0, byte(v >> 8), byte(v)} }
	cases := []struct {
		name   string
		spoil  func(t *testing.T, path string)
		served bool // the old file answers while the new one is built
		why    string
	}{
		{"views version", func(t *testing.T, path string) { setMeta(t, path, metaViews, u64(ViewsVersion+1)) }, true, "another version"},
		{"another log", func(t *testing.T, path string) {
			os.Remove(path)
			p := openViews(t, path, newFakeStore(other.records), nil)
			runUntil(t, p, newFakeStore(other.records), other.records[len(other.records)-1].Position)
			p.Close()
		}, false, "another log"},
		{"format", func(t *testing.T, path string) { setMeta(t, path, metaFormat, u64(FormatVersion+1)) }, false, "format"},
		{"unfinished", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Delete(metaComplete) })
			db.Close()
		}, false, "unfinished"},
		{"missing bucket", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bktPending) })
			db.Close()
		}, false, "no pending bucket"},
		{"garbage", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := range b {
				b[i] ^= 0x5a
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, false, "damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := newFakeStore(w.records)
			path := filepath.Join(t.TempDir(), "views.db")
			p := openViews(t, path, store, nil)
			runUntil(t, p, store, last)
			p.Close()
			tc.spoil(t, path)

			var logs bytes.Buffer
			var mu sync.Mutex
			log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
			p = openViews(t, path, store, log)
			defer p.Close()
			if served := p.Position() == last; served != tc.served {
				t.Fatalf("opened at %d: served %v, want %v", p.Position(), served, tc.served)
			}
			runUntil(t, p, store, last)
			mu.Lock()
			text := logs.String()
			mu.Unlock()
			if !bytes.Contains([]byte(text), []byte(tc.why)) {
				t.Errorf("no log line saying %q:\n%s", tc.why, text)
			}
			if p.Stale() != "" {
				t.Errorf("still stale: %s", p.Stale())
			}
			if got, want := viewsState(t, p), viewsState(t, applyAll(t, w.records)); !reflect.DeepEqual(got, want) {
				t.Error("the rebuilt views differ from a fresh fold")
			}
		})
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestViewsSwapUnderConcurrentReads: `views rebuild` renames a new file over
// the one a running projection serves; readers keep getting whole answers
// (the race detector watches), the projection switches to the new file and
// goes on with live records.
func TestViewsSwapUnderConcurrentReads(t *testing.T) {
	old := watchInterval
	watchInterval = 20 * time.Millisecond
	t.Cleanup(func() { watchInterval = old })
	w := genLog(t, 6, 6, 6, 2, 0)
	half := len(w.records) / 2
	store := newFakeStore(w.records[:half])
	path := filepath.Join(t.TempDir(), "views.db")
	p := openViews(t, path, store, nil)
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, store, p, nil) }()
	if err := p.WaitFor(ctx, w.records[half-1].Position); err != nil {
		t.Fatal(err)
	}
	firstIno := inode(path)

	var stopReads atomic.Bool
	var reads sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		reads.Go(func() {
			for !stopReads.Load() {
				accs := p.Accounts()
				if len(accs) == 0 {
					errs <- errors.New("no accounts listed")
					return
				}
				for _, id := range accs {
					if _, ok := p.Balance(id); !ok {
						errs <- fmt.Errorf("account %s listed but has no balance", id)
						return
					}
				}
				if _, err := p.Invoices(Filter{Limit: MaxLimit}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// The rebuild, as `fapiao views rebuild` runs it, then more records.
	if _, err := Rebuild(context.Background(), store, path, Options{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.inodeOpen() == firstIno && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p.inodeOpen() == firstIno {
		t.Fatal("the running projection did not switch to the rebuilt file")
	}
	store.add(w.records[half:]...)
	if err := p.WaitFor(ctx, w.records[len(w.records)-1].Position); err != nil {
		t.Fatal(err)
	}
	stopReads.Store(true)
	reads.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cancel()
	<-done
	if got, want := viewsState(t, p), viewsState(t, applyAll(t, w.records)); !reflect.DeepEqual(got, want) {
		t.Error("the views after the swap differ from a fresh fold")
	}
}

func (p *Projections) inodeOpen() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.ino
}

// The kill test's child: FAPIAO_VIEWS_CHILD names a views file to bring up
// to the end of the generated log, committing every few records.
const childEnv = "FAPIAO_VIEWS_CHILD"

// The lines the child prints as it starts to apply the log, and once it
// has applied all of it.
const (
	catchingUp = "views child: catching up"
	caughtUp   = "views child: caught up"
)

func killLog(t testing.TB) *world { return genLog(t, 7, 20, 10, 2, 0) }

// TestViewsKillChild is the child process of TestViewsExactlyOnceAcrossKills;
// run normally it does nothing.
func TestViewsKillChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		return
	}
	commitEvery = 2
	store := newFakeStore(killLog(t).records)
	p := openViews(t, path, store, nil)
	// The parent times its kill from this line: what comes before it
	// (start-up, the log made in memory) is no place to be killed.
	fmt.Println(catchingUp)
	if err := CatchUp(context.Background(), store, p); err != nil {
		t.Fatal(err)
	}
	fmt.Println(caughtUp)
	p.Close()
}

// TestViewsExactlyOnceAcrossKills applies a log into a views file in a
// child process that commits every two records, kills it with SIGKILL at
// random moments many times, and after each kill checks that the file is
// exactly the fold of the records up to its stored position (no record
// skipped, none counted twice); at the end the file equals a fresh rebuild.
func TestViewsExactlyOnceAcrossKills(t *testing.T) {
	t.Parallel()
	w := killLog(t)
	path := filepath.Join(t.TempDir(), "views.db")
	store := newFakeStore(w.records)
	// The file exists and is complete before the first child: a child
	// killed while building from nothing would only start again.
	p := openViews(t, path, store, nil)
	p.Close()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	index := map[eventstore.Position]int{}
	for i, rec := range w.records {
		index[rec.Position] = i
	}
	last := w.records[len(w.records)-1].Position
	// child starts a child and waits until it starts to apply the log;
	// done is closed once it has applied all of it, exited once it has
	// exited, and its status is then in *err.
	child := func() (cmd *exec.Cmd, done, exited chan struct{}, err *error) {
		t.Helper()
		cmd = exec.Command(os.Args[0], "-test.run=^TestViewsKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, perr := cmd.StdoutPipe()
		if perr != nil {
			t.Fatal(perr)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		done, exited, err = make(chan struct{}), make(chan struct{}), new(error)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				switch sc.Text() {
				case catchingUp:
					close(started)
				case caughtUp:
					close(done)
				}
			}
			*err = cmd.Wait() // once every read of the pipe is done
			close(exited)
		}()
		select {
		case <-started:
		case <-exited:
			t.Fatalf("the child ended before applying the log: %v\n%s", *err, stderr.Bytes())
		}
		return cmd, done, exited, err
	}
	// How long a whole catch-up takes here: each kill lands at a random
	// moment within it, so that most of them cut it short on a quiet
	// machine as on a busy one, and none is spent on the child's start-up
	// or its exit.
	_, done, exited, err := child()
	started := time.Now()
	select {
	case <-done:
	case <-exited:
	}
	whole := time.Since(started)
	<-exited
	if *err != nil {
		t.Fatal(*err)
	}
	os.Remove(path)
	openViews(t, path, store, nil).Close()
	kills, partial, n := 0, 0, 0
	for kills < 10 {
		cmd, done, exited, _ := child()
		// Within what is left of the log: a child resumes where the last
		// one was killed.
		left := whole * time.Duration(len(w.records)-n) / time.Duration(len(w.records))
		begun := time.Now()
		select {
		case <-time.After(time.Duration(r.Int64N(int64(left) + 1))):
			_ = cmd.Process.Signal(syscall.SIGKILL)
		case <-done:
			// It caught up before its kill was due: the machine is quicker
			// now than when the whole catch-up was timed, so time it again
			// from this run, or most of the kills to come would land after
			// the end and count for nothing.
			whole = min(whole, time.Since(begun)*time.Duration(len(w.records))/time.Duration(len(w.records)-n))
		}
		<-exited
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		killed := ok && ws.Signaled() // not when it had finished first
		p := openViews(t, path, store, nil)
		pos := p.Position()
		n = 0
		if pos != 0 {
			i, ok := index[pos]
			if !ok {
				t.Fatalf("stored position %d is no record's", pos)
			}
			n = i + 1
		}
		if got := p.applied.Load(); got != uint64(n) {
			t.Fatalf("at position %d the file counts %d records applied, want %d", pos, got, n)
		}
		if got, want := viewsState(t, p), viewsState(t, applyAll(t, w.records[:n])); !reflect.DeepEqual(got, want) {
			t.Fatalf("after a kill at position %d the views differ from the fold of the first %d records", pos, n)
		}
		p.Close()
		t.Logf("killed %v at position %d (%d of %d records)", killed, pos, n, len(w.records))
		if killed {
			kills++
		}
		if pos != last && pos != 0 {
			partial++
		}
		if pos == last || n > len(w.records)*3/4 {
			// Done, or nearly: start over, so that every kill lands in a
			// build and the kills spread over the log rather than crowd
			// into its last records.
			n = 0
			os.Remove(path)
			p := openViews(t, path, store, nil)
			p.Close()
		}
	}
	if partial == 0 {
		t.Error("no kill landed part way through the log")
	}
	t.Logf("%d kills, %d part way", kills, partial)
	// To the end, then compared with a fresh rebuild.
	p = openViews(t, path, store, nil)
	defer p.Close()
	if err := CatchUp(context.Background(), store, p); err != nil {
		t.Fatal(err)
	}
	if got, want := viewsState(t, p), viewsState(t, applyAll(t, w.records)); !reflect.DeepEqual(got, want) {
		t.Error("the views after the kills differ from a fresh rebuild")
	}
}
