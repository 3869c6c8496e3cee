package groupcommit

import (
	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// Stream is what Decide needs to read of the stream an append goes to, as
// left by the appends before it in the same group.
type Stream interface {
	// RevisionOf finds an event ID among the stream's recent events (a
	// bounded window, as EventStoreDB remembers recent IDs only).
	RevisionOf(id uuid.UUID) (uint64, bool, error)
	// At returns the ID and position of the event at revision rev;
	// ok=false past the stream's end.
	At(rev uint64) (id uuid.UUID, pos eventstore.Position, ok bool, err error)
}

// IdempotencyWindow is how far back in a stream an append with Any or
// StreamExists looks for its first event's ID. EventStoreDB too remembers
// recent event IDs only (a bounded cache); a global ID index would cost
// every append a random index write.
const IdempotencyWindow = 4096

// Decide applies EventStoreDB's expected-revision rules, in its order, to
// r against a stream whose last revision is cur (exists=false: no events).
// write=true: the events go after cur. Otherwise the append is answered
// without writing: res for a retry of events already written right after
// the expected revision (r.First and r.Contiguous set as for a write), or
// reject for a wrong expected revision. fatal is the store failing to read
// itself; it ends the whole group.
func Decide(r *Request, cur uint64, exists bool, st Stream) (write bool, res eventstore.AppendResult, reject, fatal error) {
	wrong := func() error {
		return &eventstore.WrongExpectedVersionError{Stream: r.Stream, Expected: r.Expected, Actual: cur, ActualExists: exists}
	}
	switch {
	case r.Expected.IsAny(), r.Expected.IsStreamExists():
		if r.Expected.IsStreamExists() && !exists {
			return false, res, wrong(), nil
		}
		if len(r.Events) > 0 && exists {
			rev, ok, err := st.RevisionOf(r.Events[0].ID)
			if err != nil {
				return false, res, nil, err
			}
			if ok {
				if res, ok, err := writtenAt(st, rev, r); err != nil || ok {
					return false, res, nil, err
				}
				return false, res, wrong(), nil
			}
		}
	default:
		// NoStream is "expected revision -1": following revisions start at 0.
		next := uint64(0)
		if rev, ok := r.Expected.Revision(); ok {
			if !exists || rev > cur {
				return false, res, wrong(), nil
			}
			next = rev + 1
		}
		if exists && next <= cur {
			if len(r.Events) > 0 {
				if res, ok, err := writtenAt(st, next, r); err != nil || ok {
					return false, res, nil, err
				}
			}
			return false, res, wrong(), nil
		}
	}
	return true, res, nil, nil
}

// writtenAt reports whether r's events already sit in the stream at
// revisions from, from+1, … and if so the result their append had (and, in
// r, whether their positions are consecutive).
func writtenAt(st Stream, from uint64, r *Request) (eventstore.AppendResult, bool, error) {
	var res eventstore.AppendResult
	r.Contiguous = true
	for i := range r.Events {
		rev := from + uint64(i)
		id, pos, ok, err := st.At(rev)
		if err != nil || !ok || id != r.Events[i].ID {
			return eventstore.AppendResult{}, false, err
		}
		if i == 0 {
			r.First = pos
		} else if pos != res.Position+1 {
			r.Contiguous = false
		}
		res = eventstore.AppendResult{NextExpectedRevision: rev, Position: pos}
	}
	return res, true, nil
}
