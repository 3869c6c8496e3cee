package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBenchHTTPOnEachEngine runs the HTTP scenario briefly on each store
// kind: the seeded accounts are served, GETs and POSTs are answered without
// error, and the figures say which store the server ran on. The server is
// this test binary by its fapiao link (the bench would start itself).
func TestBenchHTTPOnEachEngine(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"bolt", "log"} {
		t.Run(engine, func(t *testing.T) {
			out, err := exec.Command(fapiaoBin, "bench", "http", "--engine", engine, "--connections", "4", "--duration", "1s", "--serve-exe", fapiaoBin).Output()
			if err != nil {
				t.Fatalf("bench http --engine %s: %v\n%s", engine, err, out)
			}
			var res struct {
				GetRPS  float64 `json:"get_rps"`
				PostRPS float64 `json:"post_rps"`
				Errors  int     `json:"errors"`
				Views   string  `json:"views"`
				Engine  string  `json:"engine"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if res.GetRPS <= 0 || res.PostRPS <= 0 || res.Errors != 0 || res.Engine != engine || res.Views != "on disk" {
				t.Fatalf("implausible result: %s", out)
			}
		})
	}
	if out, err := exec.Command(fapiaoBin, "bench", "http", "--engine", "nope", "--duration", "1s", "--serve-exe", fapiaoBin).CombinedOutput(); err == nil {
		t.Fatalf("an unknown engine was accepted: %s", out)
	}
}

// TestBenchProfiles: bench append --cpuprofile, --memprofile,
// --mutexprofile and --trace each write their file, the profiles in
// pprof's format (gzipped) and the trace in the runtime's; --rate must not
// be negative.
func TestBenchProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{"--cpuprofile": "cpu.out", "--memprofile": "mem.out", "--mutexprofile": "mutex.out", "--trace": "run.trace"}
	args := []string{"bench", "append", "--engine", "log", "--accounts", "2", "--rate", "200", "--duration", "300ms"}
	for flag, name := range files {
		args = append(args, flag, filepath.Join(dir, name))
	}
	if out, err := exec.Command(fapiaoBin, args...).CombinedOutput(); err != nil {
		t.Fatalf("bench append with every profile: %v\n%s", err, out)
	}
	for flag, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", flag, err)
		}
		want := []byte{0x1f, 0x8b} // gzip: pprof's profiles
		if flag == "--trace" {
			want = []byte("go 1.")
		}
		if !bytes.HasPrefix(b, want) {
			t.Errorf("%s wrote %d bytes starting %q, want %q", flag, len(b), b[:min(len(b), 8)], want)
		}
	}
	if out, err := exec.Command(fapiaoBin, "bench", "append", "--rate", "-1", "--duration", "1ms").CombinedOutput(); err == nil {
		t.Fatalf("a negative rate was accepted: %s", out)
	}
}
