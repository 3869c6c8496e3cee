package main

import (
	"fmt"
	"io"

	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// checkLogStore is verify's first step on a segmented log: every segment
// read and every checksum checked, without the lock (so it also runs beside
// a server), printing what it finds. A torn final write is reported and not
// an error (the next open drops it; it was never acknowledged); damage
// anywhere else is. Other stores pass through.
func checkLogStore(raw string, w io.Writer) error {
	u, err := storeurl.Parse(raw)
	if err != nil || u.Backend != storeurl.Log {
		return nil
	}
	rep, err := seglog.Check(u.Path)
	if err != nil {
		return err
	}
	corrupt := 0
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "log: %s\n", p)
		if !p.Torn {
			corrupt++
		}
	}
	if corrupt > 0 {
		return fmt.Errorf("log %s is corrupt: %d problem(s) above; the events before the first are intact", u, corrupt)
	}
	fmt.Fprintf(w, "log: %d segment(s), %d events, every checksum holds\n", rep.Segments, rep.Events)
	return nil
}
