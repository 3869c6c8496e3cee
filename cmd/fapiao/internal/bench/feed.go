package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// FeedConfig sizes the feed scenario: the live feed's catch-up
// (GET /v1/events/stream from position 1) over loopback from a `fapiao
// serve` child on the replay scenario's cached log.
type FeedConfig struct {
	CachedLog
	// Exe is the fapiao binary run as `serve`.
	Exe string
	Log io.Writer
}

// FeedResult is the feed scenario's figures.
type FeedResult struct {
	Scenario     string  `json:"scenario"`
	Events       int     `json:"events"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	// BytesPerEvent is the feed's bytes (frames) per event.
	BytesPerEvent float64 `json:"bytes_per_event"`
	// ServerCPUusPerEvent is the serve child's CPU (user and system) per
	// event sent: less sensitive than the rate to what else the machine
	// runs. The client's CPU is this process's.
	ServerCPUusPerEvent float64 `json:"server_cpu_us_per_event"`
	ClientCPUusPerEvent float64 `json:"client_cpu_us_per_event"`
	ServerPeakRSSMB     float64 `json:"server_peak_rss_mb"`
	Views               string  `json:"views"`
}

// RunFeed builds (or reuses) the replay log, starts serve on it and
// reads the whole log through the feed once, counting frames.
func RunFeed(ctx context.Context, cfg FeedConfig) (FeedResult, error) {
	res := FeedResult{Scenario: "feed"}
	path, engine, err := cfg.path()
	if err != nil {
		return res, err
	}
	if _, err := ensureLog(ctx, path, engine, cfg.Events, cfg.Store != "", cfg.Log); err != nil {
		return res, err
	}
	store, err := openStored(path, engine)
	if err != nil {
		return res, err
	}
	res.Events = int(store.LastPosition())
	store.Close()

	run, err := newServeRun("feed", cfg.Exe)
	if err != nil {
		return res, err
	}
	defer run.remove()
	const token = "bench-auditor-token"
	if err := run.writeTokens([]tokenEntry{{Token: token, Role: "auditor"}}); err != nil {
		return res, err
	}
	res.Views = run.viewsMode()
	srv, err := run.start(ctx, engine+"://"+path)
	if err != nil {
		return res, err
	}
	cpu := srv.cpuMeter()
	started := time.Now()
	bytes, err := readFeed(ctx, srv.base, token, res.Events)
	elapsed := time.Since(started)
	serverCPU, clientCPU := cpu()
	res.ServerPeakRSSMB = srv.stop()
	if err != nil {
		return res, err
	}
	res.Seconds = round(elapsed.Seconds())
	res.EventsPerSec = rate(res.Events, elapsed)
	res.BytesPerEvent = round(float64(bytes) / float64(max(res.Events, 1)))
	res.ServerCPUusPerEvent = round(float64(serverCPU.Microseconds()) / float64(max(res.Events, 1)))
	res.ClientCPUusPerEvent = round(float64(clientCPU.Microseconds()) / float64(max(res.Events, 1)))
	logf(cfg.Log, "feed: %d events in %.2fs: %.0f events/s, %.0f bytes an event; server %.2f µs of CPU an event, client %.2f; views %s\n",
		res.Events, res.Seconds, res.EventsPerSec, res.BytesPerEvent, res.ServerCPUusPerEvent, res.ClientCPUusPerEvent, res.Views)
	return res, nil
}

// readFeed reads the feed from position 1 until it has seen n events'
// frames, and returns the bytes read.
func readFeed(ctx context.Context, base, token string, n int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/events/stream?from=1", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("bench: feed answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	bytes := 0
	for events := 0; events < n; {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return bytes, fmt.Errorf("bench: feed ended after %d of %d events: %w", events, n, err)
		}
		bytes += len(line)
		if len(line) > 4 && string(line[:4]) == "id: " {
			events++
		}
	}
	return bytes, nil
}
