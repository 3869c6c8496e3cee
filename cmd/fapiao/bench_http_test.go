package main

import (
	"encoding/json"
	"os/exec"
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
