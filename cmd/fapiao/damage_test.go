package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/bolt/bolttest"
)

// damageTemplate is a bolt file of the demo history, built once: every
// damage case starts from a copy of it. It lives in testDir, which TestMain
// removes at the end.
var damageTemplate = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp(testDir, "damage-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "template.db")
	s, err := bolt.Open(path)
	if err != nil {
		return "", err
	}
	if err := seedDemo(context.Background(), s, time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC), defaultIssuer); err != nil {
		return "", err
	}
	return path, s.Close()
})

// damagedStore copies the template into a new directory and damages it.
func damagedStore(t *testing.T, damage func(t *testing.T, path string)) string {
	t.Helper()
	return damagedStoreIn(t, t.TempDir(), damage)
}

func damagedStoreIn(t *testing.T, dir string, damage func(t *testing.T, path string)) string {
	t.Helper()
	tmpl, err := damageTemplate()
	require.NoError(t, err)
	path := filepath.Join(dir, "fapiao.db")
	bolttest.Copy(t, tmpl, path)
	damage(t, path)
	return path
}

// flipIn returns a damage that XORs mask into the byte at offset(page) of
// the first page of kind that has one (the last such page when last).
func flipIn(kind string, last bool, offset func(t *testing.T, path string, p bolttest.Page) int64, mask byte) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		pages := bolttest.Find(bolttest.Pages(t, path), kind)
		require.NotEmpty(t, pages, "the demo store has a %s page", kind)
		p := pages[0]
		if last {
			p = pages[len(pages)-1]
		}
		bolttest.XOR(t, path, offset(t, path, p), mask)
	}
}

func truncateTo(size func(n int64) int64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.NoError(t, os.Truncate(path, size(info.Size())))
	}
}

// snapshot names every file under dir with its size and content hash.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = sha256.Sum256(b)
		return err
	}))
	return out
}

// damageCases are the damaged stores every job must refuse.
func damageCases() []struct {
	name   string
	damage func(*testing.T, string)
	want   string // in the error
} {
	const page = 4096
	return []struct {
		name   string
		damage func(*testing.T, string)
		want   string
	}{
		{"missing path", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		}, "no store at"},
		{"missing directory", nil, "no store at"},
		{"empty file", truncateTo(func(int64) int64 { return 0 }), "empty (0 bytes)"},
		{"truncated to one page", truncateTo(func(int64) int64 { return page }), "damaged"},
		{"truncated to two pages and a bit", truncateTo(func(int64) int64 { return 2*page + 100 }), "damaged"},
		// Half of what is in use: a file grown past its high-water mark
		// loses nothing when cut there.
		{"truncated to half", func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, bolttest.HighWater(bolttest.Pages(t, path))/2&^(page-1)))
		}, "damaged"},
		{"truncated by one used page", func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, bolttest.HighWater(bolttest.Pages(t, path))-page))
		}, "damaged"},
		// The stream name of one index entry of acc-demo: "…demo" becomes
		// "…demn", so the stream looks shorter (the "5 of 55").
		{"index key", func(t *testing.T, path string) {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			for _, p := range bolttest.Find(bolttest.Pages(t, path), bolttest.KindIndex) {
				if i := bytes.Index(raw[p.Offset:p.Offset+p.Size], []byte("\x10account-acc-demo")); i >= 0 {
					bolttest.XOR(t, path, p.Offset+int64(i)+1+len64("account-acc-dem"), 0x01)
					return
				}
			}
			t.Fatal("no index entry of acc-demo")
		}, "damaged"},
		// A page ID in the free list moved far past the end of the file.
		{"free list", flipIn(bolttest.KindFreelist, false, func(t *testing.T, path string, p bolttest.Page) int64 {
			require.Positive(t, p.Count, "the demo store has free pages")
			return p.Offset + 16 + 2
		}, 0x40), "damaged"},
		// A child page ID of a branch page pointing far outside the map.
		{"branch page", flipIn(bolttest.KindBranch, false, func(t *testing.T, path string, p bolttest.Page) int64 {
			return bolttest.FirstChildOffset(p) + 2
		}, 0x40), "damaged"},
		// A record's length in a data page running past the page.
		{"data page", flipIn(bolttest.KindLog, false, func(t *testing.T, path string, p bolttest.Page) int64 {
			return p.Offset + 16 + 12 + 2
		}, 0x10), "damaged"},
	}
}

func len64(s string) int64 { return int64(len(s)) }

// TestJobsOnDamagedStores: every read-only job and serve's start refuse a
// damaged or missing store with a clear error and exit 1, create and change
// nothing, and never panic.
func TestJobsOnDamagedStores(t *testing.T) {
	t.Parallel()
	tokens := writeTokens(t, t.TempDir())
	for _, tc := range damageCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			var path string
			if tc.damage == nil {
				path = filepath.Join(root, "no", "such", "dir", "fapiao.db")
			} else {
				path = damagedStoreIn(t, root, tc.damage)
			}
			store := "bolt://" + path
			jobs := [][]string{
				{"verify", "--store", store},
				{"export", "--store", store},
				{"replay", "--store", store},
				{"reconcile", "--store", store, "--month", "2026-03"},
				{"migrate", "--from", store, "--to", "bolt://" + filepath.Join(t.TempDir(), "copy.db")},
			}
			if !strings.HasPrefix(tc.name, "missing") { // serve creates a store where there is none
				jobs = append(jobs, []string{"serve", "--store", store, "--tokens", tokens, "--addr", "127.0.0.1:0"})
			}
			for _, args := range jobs {
				before := snapshot(t, root)
				code, out, errOut := runWithTimeout(t, 10*time.Second, args...)
				all := out + errOut
				require.Equal(t, exitFail, code, "%s: %.2000s", args[0], all)
				require.NotContains(t, all, "panic", args[0])
				require.NotContains(t, all, "goroutine ", args[0])
				require.NotContains(t, all, "every hash chain holds", args[0])
				require.Contains(t, all, tc.want, "%s: %.2000s", args[0], all)
				require.Equal(t, before, snapshot(t, root), "%s created or changed a file", args[0])
			}
		})
	}
}

// runWithTimeout runs a subcommand in-process; serve on a store it should
// refuse would otherwise run until the timeout, and report success.
func runWithTimeout(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, &env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// TestVerifyReportsWhereTheDamageIs: verify names the part and the place.
func TestVerifyReportsWhereTheDamageIs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		idx  int // into damageCases
		want []string
	}{
		{"index key", 7, []string{"DAMAGED STORE", "index: stream account-acc-dem", "revision"}},
		{"free list", 8, []string{"DAMAGED STORE", "page ", "free list names page"}},
		{"branch page", 9, []string{"DAMAGED STORE", "page ", "names child page"}},
		{"data page", 10, []string{"DAMAGED STORE", "page ", "runs past the page"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := damageCases()[tc.idx]
			require.Equal(t, tc.name, c.name)
			path := damagedStore(t, c.damage)
			code, out, errOut := jobRun(t, "verify", "--store", "bolt://"+path)
			require.Equal(t, exitFail, code, out+errOut)
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
			require.False(t, strings.Contains(out+errOut, "panic"))
		})
	}
}
