package seglog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/fapiao/fapiao/eventstore"
)

// Report is what Check found in a log.
type Report struct {
	Segments int
	// Events is how many intact events the log holds.
	Events uint64
	// Problems lists torn writes and corruption, in log order. Empty for
	// a sound log.
	Problems []Problem
}

// Check reads every segment of the log in dir, verifying every checksum,
// that each stream's revisions follow on and that every record decodes, without taking the lock or
// changing anything: it can run beside a serving process. Then the final
// segment's tail, which the writer may be changing under the scan, is
// reported as a torn write in flight and not as corruption; a check of a
// stopped log, and the writer's own open, judge it strictly. Unlike Open it goes on past
// damage, segment by segment, so the report says all that is wrong. The
// error is for a log that cannot be read at all.
func Check(dir string) (Report, error) {
	var rep Report
	names, err := segmentNames(dir)
	if err != nil {
		return rep, fmt.Errorf("seglog: check %s: %w", dir, err)
	}
	ix := index{streams: map[string]*streamIndex{}}
	live := writerRunning(dir)
	next := eventstore.Position(1)
	for i, name := range names {
		seg, err := checkSegment(filepath.Join(dir, name), &ix, name, next, i == len(names)-1, live, &rep)
		if err != nil {
			return rep, fmt.Errorf("seglog: check %s: %w", dir, err)
		}
		next = seg
	}
	rep.Events = uint64(len(ix.locs))
	return rep, nil
}

// checkSegment checks one segment and returns the position the next one
// should start at.
func checkSegment(path string, ix *index, name string, next eventstore.Position, last, live bool, rep *Report) (eventstore.Position, error) {
	f, err := os.Open(path)
	if err != nil {
		return next, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return next, err
	}
	rep.Segments++
	var first eventstore.Position
	fmt.Sscanf(name, "%d", &first)
	head := make([]byte, fileHeaderLen)
	n, _ := f.ReadAt(head, 0)
	ver := fileVersion(head[:n])
	switch {
	case ver == 0:
		if last && isZero(head[:n]) {
			return next, nil // created by a crash before its header: harmless
		}
		rep.Problems = append(rep.Problems, Problem{Segment: name, Position: next, What: "not a segment of this format"})
		return first, nil
	case first != next:
		rep.Problems = append(rep.Problems, Problem{Segment: name, Position: next,
			What: fmt.Sprintf("segment starts at position %d, want %d: events %d … %d are missing", first, next, next, first-1)})
		// Go on from the segment's own start, to check the rest.
		for ix.locs = ix.locs[:0]; uint64(len(ix.locs)) < first-1; {
			ix.locs = append(ix.locs, loc{})
		}
	}
	names := newInterner()
	var arena []byte
	sc, err := scanSegment(name, f, fi.Size(), fileHeaderLen, first, last, live, func(g group) error {
		pos := g.head.first
		splitRecords(g.payload, g.head.count, func(_ int, body []byte) bool {
			if !ix.add(pos, loc{}, body) {
				rep.Problems = append(rep.Problems, Problem{Segment: name, Offset: g.payloadOff, Position: pos,
					What: fmt.Sprintf("event at position %d is out of its stream's order", pos)})
			}
			// Decoded as a reader would: a record its checksum covers
			// but that does not decode is damage a bug wrote.
			var ok bool
			if _, arena, ok = decodeRecord(pos, body, ver, names, arena[:0]); !ok {
				rep.Problems = append(rep.Problems, Problem{Segment: name, Offset: g.payloadOff, Position: pos,
					What: fmt.Sprintf("event at position %d does not decode", pos)})
			}
			pos++
			return true
		})
		return nil
	})
	if err != nil {
		return next, err
	}
	if sc.problem != nil {
		rep.Problems = append(rep.Problems, *sc.problem)
	}
	return sc.next, nil
}

// Problems checks the store's log (see the function Check) and adds what
// the open repaired. A torn final write found beyond the last commit seen
// when the check began is the writer's group in flight, not damage, and is
// left out.
func (s *Store) Problems() ([]Problem, error) {
	last := s.last.Load()
	rep, err := Check(s.dir)
	if err != nil {
		return nil, err
	}
	out := s.Recovered()
	for _, p := range rep.Problems {
		if slices.ContainsFunc(out, func(q Problem) bool { return q.Segment == p.Segment && q.Offset == p.Offset }) {
			continue // the torn write the open already reported
		}
		if p.Torn && p.Position > last && !s.opts.ReadOnly {
			continue
		}
		if p.Torn && p.Position <= last {
			// Committed and synced before the check began: no write in
			// flight explains damage there.
			p.Torn = false
			p.What += fmt.Sprintf("; position %d was committed", p.Position)
		}
		out = append(out, p)
	}
	return out, nil
}

// Check implements eventstore.Checker. The quick check is the one the open
// already made: every group's checksums and every stream's revisions were
// read to build the index (after the index checkpoint, when there was
// one), and a damaged log does not open. The full check
// reads the segments again (Problems). A torn final write dropped at open
// was never acknowledged: it is said, and is not damage.
func (s *Store) Check(ctx context.Context, quick bool) (eventstore.CheckReport, error) {
	var rep eventstore.CheckReport
	if err := ctxErr(ctx); err != nil {
		return rep, err
	}
	s.ix.mu.RLock()
	segs := len(s.ix.segs)
	s.ix.mu.RUnlock()
	problems := s.Recovered()
	what := "at open"
	if c := s.opened.Checkpoint; c > 0 {
		what = fmt.Sprintf("at open after the index checkpoint, which covered the first %d (the full check reads them all)", c)
	}
	if !quick {
		var err error
		if problems, err = s.Problems(); err != nil {
			return rep, err
		}
		what = "again now"
	}
	rep.What = append(rep.What, fmt.Sprintf("log: %d segment(s), %d events, every group's checksums and every stream's revisions read %s",
		segs, s.last.Load(), what))
	for _, p := range problems {
		if p.Torn {
			rep.What = append(rep.What, "log: "+p.String())
			continue
		}
		rep.Add(eventstore.Damage{Part: "log", Position: p.Position, Detail: p.String()})
	}
	return rep, nil
}

var _ eventstore.Checker = (*Store)(nil)
