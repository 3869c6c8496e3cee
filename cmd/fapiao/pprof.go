package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
)

// Sampling rates of the block and mutex profiles while the profiler is
// on: one blocking event per blockProfileRate nanoseconds blocked, one
// contended unlock in mutexProfileFraction. Off by default in Go; a
// server under load waits as much as it computes (docs/performance.md,
// issue 16), and only these profiles say on what.
const (
	blockProfileRate     = 10_000
	mutexProfileFraction = 10
)

// checkLoopback refuses a listen address that is not on the loopback
// interface: the profiler exposes memory contents (and so tokens) and must
// never be reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address; the profiler must listen on 127.0.0.1, [::1] or localhost", addr)
	}
	return nil
}

// startPprof serves the profiler on its own listener and mux, so that none
// of it is reachable through the API's address.
func startPprof(addr string, log *slog.Logger) (*http.Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listen: %w", err)
	}
	// "localhost" could resolve to anything; check what was actually bound.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("pprof: %s bound to %s, which is not loopback", addr, ln.Addr())
	}
	runtime.SetBlockProfileRate(blockProfileRate)
	runtime.SetMutexProfileFraction(mutexProfileFraction)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server", "err", err)
		}
	}()
	log.Info("pprof listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return srv, nil
}
