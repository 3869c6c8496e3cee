package projections

import (
	"encoding/json"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// OccurredAt reads an event's business time (metadata occurred_at) without
// decoding the rest of the metadata: replays to a time call it once per
// record. Metadata that the quick scan does not understand is decoded in
// full.
func OccurredAt(meta json.RawMessage) (time.Time, bool) {
	if t, ok := scanOccurredAt(meta); ok {
		return t, true
	}
	m, err := eventstore.ParseMetadata(meta)
	if err != nil || m.OccurredAt.IsZero() {
		return time.Time{}, false
	}
	return m.OccurredAt, true
}

// scanOccurredAt reads the top-level member "occurred_at" of a metadata
// object, passing over the other members whatever their depth (an
// occurred_at nested in another member is not the event's). It declines —
// and OccurredAt decodes in full — on anything it would have to reason
// about: a second occurred_at, a key json would fold onto it, escapes in a
// key or in the instant, invalid JSON. The other members are checked for
// syntax, not for their types.
func scanOccurredAt(meta []byte) (time.Time, bool) {
	var at time.Time
	ok := jsonscan.Decode(meta, jsonscan.Time("occurred_at", &at), jsonscan.Others())
	return at, ok && !at.IsZero()
}
