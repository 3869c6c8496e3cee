package eventstore

import "context"

// StreamLender is offered by stores that hand out one stream's records at a
// time and whose positions run 1, 2, 3, … up to LastPosition, with none
// missing: a rebuild of the read models folds account by account and
// counts the log's records without reading the other streams
// (eventstore/bolt, eventstore/seglog).
type StreamLender interface {
	// StreamNames lists up to limit names of streams that begin with
	// prefix, in byte order, each after after ("" from the first).
	StreamNames(ctx context.Context, prefix, after string, limit int) ([]string, error)
	// LendStream calls fn with the stream's records up to position upTo,
	// in order, a chunk at a time, with the parts asked for. The records
	// may be lent: their bytes are valid only until fn returns. buf is
	// reused for the chunks when large enough. fn's error ends the read
	// and is returned as it is; a stream that does not exist is
	// ErrStreamNotFound.
	LendStream(ctx context.Context, stream string, upTo Position, parts LendParts, buf []Record, fn func([]Record) error) error
	// LastPosition is the position of the log's last record.
	LastPosition() Position
}

// LendParts says which parts of its records LendStream lends.
type LendParts uint8

const (
	// LendWhole lends every part of a record.
	LendWhole LendParts = iota
	// LendData lends all but the metadata (Metadata nil): a rebuild folds
	// the events' data, and a store that decodes each record's metadata
	// (eventstore/seglog) saves that work.
	LendData
	// LendForms is LendData, but a record the store holds in a form of
	// its own may be lent with its data in that form, Form naming it: a
	// rebuild reads a statement's summary from eventstore/seglog's form of
	// it (internal/eventform) instead of from JSON made of it
	// (docs/performance.md, "Statements in a form of their own").
	LendForms
)

// DataForm says what a lent record's Data holds.
type DataForm uint8

const (
	// FormJSON: the event's JSON, as appended.
	FormJSON DataForm = iota
	// FormStatement: a StatementPosted's data in internal/eventform's
	// form (eventform.AppendStatementJSON gives back its JSON).
	FormStatement
)
