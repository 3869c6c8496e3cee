package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// checkpointEvery is how often serve signs a checkpoint when the log grew.
const checkpointEvery = time.Minute

// defaultTreePath is where the log's Merkle tree is kept: beside a bolt
// file (fapiao.db.tlog), ./data/esdb.tlog for EventStoreDB.
func defaultTreePath(store string) string {
	u, err := storeurl.Parse(store)
	if err == nil && u.Backend == storeurl.Bolt {
		return u.Path + ".tlog"
	}
	return filepath.Join("data", "esdb.tlog")
}

// transparencyLog is serve's tree and checkpointer and what stops them.
type transparencyLog struct {
	tree        *transparency.Tree
	checkpoints *transparency.Checkpointer
	stop        func()
}

// startTransparency loads the signing key, opens the tree kept at path,
// checks it against the log, and keeps it live and signed in the
// background until stop.
func startTransparency(ctx context.Context, store eventstore.Store, keyFile, path string, log *slog.Logger) (*transparencyLog, error) {
	signer, err := transparency.LoadSigner(keyFile)
	if err != nil {
		return nil, err
	}
	tree, err := transparency.Open(path)
	if err != nil {
		return nil, err
	}
	rebuilt, err := transparency.Reconcile(ctx, store, tree)
	if err != nil {
		tree.Close()
		return nil, fmt.Errorf("checking the Merkle tree %s against the log: %w", path, err)
	}
	if rebuilt {
		log.Warn("transparency: the kept tree does not end in the log's event; rebuilding it from the log", "tree", path)
	}
	log.Info("transparency: signing checkpoints", "origin", signer.Name(), "tree", path, "size", tree.Size())
	cp := transparency.NewCheckpointer(signer, tree)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		// A first checkpoint as soon as the tree has caught up with the log.
		_ = transparency.Follow(runCtx, store, tree, log, func() {
			if _, err := cp.Latest(); err != nil {
				log.Error("transparency: signing a checkpoint", "err", err)
			}
		})
	}()
	signed := make(chan struct{})
	go func() {
		defer close(signed)
		signEvery(runCtx, cp, log)
	}()
	return &transparencyLog{tree: tree, checkpoints: cp, stop: func() {
		cancel()
		<-followed
		<-signed
		if err := tree.Close(); err != nil {
			log.Error("transparency: closing the tree", "err", err)
		}
	}}, nil
}

// signEvery signs a checkpoint every checkpointEvery when the tree grew.
func signEvery(ctx context.Context, cp *transparency.Checkpointer, log *slog.Logger) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := cp.Latest(); err != nil {
				log.Error("transparency: signing a checkpoint", "err", err)
			}
		}
	}
}
