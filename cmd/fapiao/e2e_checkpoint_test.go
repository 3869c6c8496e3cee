package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/internal/testkit"
)

// TestE2ESignedCheckpoints: serve --signing-key keeps the tree beside the
// store and signs checkpoints an auditor checks with the public key only;
// a restart reopens the kept tree instead of rebuilding it; the kept
// checkpoint then verifies against the stopped server's store.
func TestE2ESignedCheckpoints(t *testing.T) {
	t.Parallel() // its own store, tokens and server on a port of its own
	store := jobDemoStore(t)
	path := strings.TrimPrefix(store, "bolt://")
	events := int64(lastPosition(t, path))
	keyFile, pub := keygen(t, "fapiao.e2e/log")
	v, err := transparency.ParseVerifierKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokens := writeTokens(t, dir)

	srv := startServerArgs(t, "--store", store, "--tokens", tokens, "--signing-key", keyFile)
	var pos uint64
	auditor := client{t: t, srv: &srv, token: tokAuditor, pos: &pos}
	get := func(path string) []byte {
		t.Helper()
		r := auditor.do(http.MethodGet, path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", path, r.Status, r.Body)
		}
		return r.Body
	}
	var signed []byte
	var cp transparency.Checkpoint
	testkit.WaitReady(t, startDeadline, func() error {
		signed = get("/v1/checkpoint")
		if cp, err = transparency.OpenCheckpoint(signed, v); err != nil {
			t.Fatal(err)
		}
		if cp.N < events {
			return fmt.Errorf("a checkpoint of %d events, want %d\n%s", cp.N, events, srv.stderr)
		}
		return nil
	})
	var proof transparency.InclusionProof
	if err := json.Unmarshal(get(fmt.Sprintf("/v1/proofs/inclusion?position=1&size=%d", cp.N)), &proof); err != nil {
		t.Fatal(err)
	}
	if err := transparency.CheckInclusion(proof, cp); err != nil {
		t.Fatal(err)
	}
	srv.stop(t)
	// The server may have written too (RED-3's scheduler expires the demo's
	// confirmation when its deadline is past): the kept tree is the log at
	// the stop.
	atStop := lastPosition(t, path)

	srv = startServerArgs(t, "--store", store, "--tokens", tokens, "--signing-key", keyFile)
	if want := fmt.Sprintf("size=%d", atStop); !strings.Contains(srv.stderr.String(), want) {
		t.Errorf("the restart did not reopen the kept tree (%s):\n%s", want, srv.stderr)
	}
	srv.stop(t)

	cpFile := filepath.Join(dir, "checkpoint")
	if err := os.WriteFile(cpFile, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := jobRun(t, "verify", "--store", store, "--checkpoint", cpFile, "--key", pub); code != exitOK {
		t.Fatalf("verify --checkpoint = %d\n%s%s", code, out, errOut)
	}
}

// lastPosition is the position of the last event in the bolt store at
// path.
func lastPosition(t *testing.T, path string) eventstore.Position {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.LastPosition()
}
