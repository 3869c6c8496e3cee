package eventstore

import (
	"context"
	"fmt"
	"strings"
)

// Checker is offered by stores that can check themselves beyond what
// reading the log shows: their own file structure and every index against
// the log (fapiao verify; serve's start-up check). The hash chains are not
// its business: they are checked over ReadAll, the same for every store.
type Checker interface {
	// Check examines the store and returns what is damaged. With quick
	// set it checks only what is cheap (about the cost of opening the
	// store), for a server's start. The error is for a check that could
	// not run (a cancelled ctx, an unreachable server), not for damage.
	Check(ctx context.Context, quick bool) (CheckReport, error)
}

// IndexChecker is offered by stores that keep indexes beside the log
// (bolt's per-stream index and heads). CheckIndexSince checks that every
// record after from is indexed where it belongs; from Start, it checks the
// indexes whole. A server's start checks from where its read models last
// saw the log: the cost is what the log gained meanwhile (the whole walk
// only when the read models are built from the start, which reads the
// whole log anyway).
type IndexChecker interface {
	CheckIndexSince(ctx context.Context, from Position) (CheckReport, error)
}

// CheckReport is what a Checker found.
type CheckReport struct {
	// What lists the checks that ran, for the report ("file structure: 1801 pages", …).
	What []string `json:"checked"`
	// Damage lists what is broken, at most MaxDamage entries.
	Damage []Damage `json:"damage,omitempty"`
	// More counts the damage found beyond MaxDamage.
	More int `json:"more,omitempty"`
}

// MaxDamage bounds a CheckReport's list: a badly damaged file would
// otherwise report every page.
const MaxDamage = 100

// Add records one piece of damage.
func (r *CheckReport) Add(d Damage) {
	if len(r.Damage) < MaxDamage {
		r.Damage = append(r.Damage, d)
	} else {
		r.More++
	}
}

// OK reports whether nothing was found broken.
func (r *CheckReport) OK() bool { return len(r.Damage) == 0 }

// Damage is one thing found broken, and where. Fields that do not apply
// are zero (HasPage, HasRevision say whether Page, Revision apply, as 0
// is a valid value of both).
type Damage struct {
	// Part is what is damaged: "file", "page", "log", "index", "head",
	// "stream".
	Part        string   `json:"part"`
	Page        uint64   `json:"page,omitempty"`
	HasPage     bool     `json:"-"`
	Stream      string   `json:"stream,omitempty"`
	Revision    uint64   `json:"revision,omitempty"`
	HasRevision bool     `json:"-"`
	Position    Position `json:"position,omitempty"`
	Detail      string   `json:"detail"`
}

// String says where and what, e.g. "index: stream account-a, revision 3:
// points at position 9, which holds account-b revision 0".
func (d Damage) String() string {
	var where []string
	if d.HasPage {
		where = append(where, fmt.Sprintf("page %d", d.Page))
	}
	if d.Stream != "" {
		where = append(where, "stream "+d.Stream)
	}
	if d.HasRevision {
		where = append(where, fmt.Sprintf("revision %d", d.Revision))
	}
	if d.Position != 0 {
		where = append(where, fmt.Sprintf("position %d", d.Position))
	}
	s := d.Part
	if len(where) > 0 {
		s += ": " + strings.Join(where, ", ")
	}
	return s + ": " + d.Detail
}

// DamageReporter is offered by stores that remember the damage they met
// while reading or writing (an error wrapping ErrCorrupt, nil if none), so
// that a server can say it is not ready rather than wait for the next
// request to meet it again.
type DamageReporter interface {
	Damage() error
}

// CheckStreams checks what any store exposes through its interface: each
// stream, read by itself, holds exactly the stream's events of the global
// log, in order, with revisions 0, 1, 2, … (a stream index that lost or
// gained an event, or disagrees with the log, is damage). It is the check
// of stores whose structure is not ours to inspect (EventStoreDB), and
// costs a second read of the log, stream by stream.
func CheckStreams(ctx context.Context, store Store) (CheckReport, error) {
	var rep CheckReport
	type ref struct {
		id  [16]byte
		pos Position
	}
	streams := map[string][]ref{}
	var order []string
	events := 0
	for r, err := range store.ReadAll(ctx, Start) {
		if err != nil {
			return rep, fmt.Errorf("eventstore: check: reading the log: %w", err)
		}
		if _, ok := streams[r.Stream]; !ok {
			order = append(order, r.Stream)
		}
		streams[r.Stream] = append(streams[r.Stream], ref{r.ID, r.Position})
		events++
	}
	for _, name := range order {
		want := streams[name]
		i := 0
		for r, err := range store.ReadStream(ctx, name, 0) {
			if err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				rep.Add(Damage{Part: "stream", Stream: name, Detail: "reading the stream: " + err.Error()})
				break
			}
			d := Damage{Part: "stream", Stream: name, Revision: r.Revision, HasRevision: true, Position: r.Position}
			switch {
			case r.Revision != uint64(i):
				d.Detail = fmt.Sprintf("revision %d where %d belongs", r.Revision, i)
			case i >= len(want):
				d.Detail = "the stream holds an event the global log does not"
			case r.ID != want[i].id || r.Position != want[i].pos:
				d.Detail = fmt.Sprintf("the stream's event %s at position %d is not the global log's (%x at %d)", r.ID, r.Position, want[i].id, want[i].pos)
			default:
				i++
				continue
			}
			rep.Add(d)
			break
		}
		if i < len(want) && (len(rep.Damage) == 0 || rep.Damage[len(rep.Damage)-1].Stream != name) {
			rep.Add(Damage{Part: "stream", Stream: name, Revision: uint64(i), HasRevision: true, Position: want[i].pos,
				Detail: fmt.Sprintf("the stream ends after %d events; the global log holds %d", i, len(want))})
		}
	}
	rep.What = append(rep.What, fmt.Sprintf("streams: %d, each read by itself against the global log's %d events", len(order), events))
	return rep, nil
}
