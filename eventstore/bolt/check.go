package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"strconv"

	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

var _ eventstore.Checker = (*Store)(nil)

// Check implements eventstore.Checker. The full check covers:
//
//   - the file: not shorter than its last commit needs;
//   - its pages: bbolt's own consistency check (tx.Check: every page
//     reachable exactly once or free, keys in order), after a walk of every
//     page in this goroutine (under guard) so that a wild page reference
//     is met here rather than crash bbolt's check goroutine, and an
//     account of the pages (in use + free ≤ the file's);
//   - the log against its indexes: positions 1, 2, 3, … without gaps, every
//     record decodable, event IDs unique, each stream's revisions 0, 1, 2,
//     … in log order; every index entry pointing at the record of its
//     stream and revision (and every record indexed once); each stream's
//     head its last revision.
//
// The quick check (serve's start) costs about as much as opening the
// store, whatever the log's length: the file's size, the free list and
// its count, and the first and last records against their index entries
// and heads. The index itself is CheckIndexSince's.
func (s *Store) Check(ctx context.Context, quick bool) (eventstore.CheckReport, error) {
	var rep eventstore.CheckReport
	if s.isClosed() {
		return rep, eventstore.ErrClosed
	}
	c := checker{s: s, rep: &rep}
	if !c.phase("file", c.file) {
		return rep, nil // cut short: reading on would only fault
	}
	c.phase("free list", c.freeList)
	if quick {
		c.phase("pages", c.freeCount)
		c.phase("log", c.ends)
		return rep, ctx.Err()
	}
	before := len(rep.Damage)
	walked := c.phase("pages", c.pageWalk) && len(rep.Damage) == before
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	c.phase("log", func(tx *bbolt.Tx) error { return c.log(ctx, tx) })
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if c.positions != nil {
		c.phase("index", func(tx *bbolt.Tx) error { return c.index(ctx, tx) })
		c.phase("head", c.heads)
	}
	if walked {
		c.phase("pages", c.pages)
	} else {
		rep.What = append(rep.What, "file structure: bbolt's check skipped, the pages are too damaged for it")
	}
	return rep, ctx.Err()
}

// checker holds one Check's state.
type checker struct {
	s   *Store
	rep *eventstore.CheckReport

	// What the log walk learnt, for the index and heads walks.
	streams   map[string]*streamCheck
	names     []string   // stream names by index
	positions []posCheck // by position-1
	last      eventstore.Position
	sink      byte // what touch read, kept so that the reads stay
}

type streamCheck struct {
	idx     int32
	next    uint64 // the revision expected next in the log
	hasHead bool
}

type posCheck struct {
	id      uuid.UUID
	rev     uint64
	stream  int32
	indexed bool
}

// phase runs one part of the check in its own read transaction, under
// guard: a panic or fault in it becomes one piece of damage, and the
// other parts still run. It reports whether the part ran to its end.
func (c *checker) phase(part string, fn func(tx *bbolt.Tx) error) bool {
	err := guard("bolt: check "+part, func() error { return c.s.db.View(fn) })
	if err == nil {
		return true
	}
	d := eventstore.Damage{Part: part, Detail: err.Error()}
	if id, ok := pageOf(err.Error()); ok {
		d.Page, d.HasPage = id, true
	}
	c.rep.Add(d)
	return false
}

// file checks the file is as long as its last commit needs.
func (c *checker) file(tx *bbolt.Tx) error {
	size := c.s.fileSize()
	c.rep.What = append(c.rep.What, fmt.Sprintf("file: %d bytes", size))
	if tx.Size() > size {
		return fmt.Errorf("the file is %d bytes but its last commit needs %d: it was cut short", size, tx.Size())
	}
	return nil
}

// pages walks every page (Bucket.Stats, in this goroutine), accounts for
// them, then runs bbolt's own check.
func (c *checker) pages(tx *bbolt.Tx) error {
	pageSize := int64(c.s.db.Info().PageSize)
	hwm := tx.Size() / pageSize
	st := tx.Cursor().Bucket().Stats()
	used := int64(st.BranchPageN + st.BranchOverflowN + st.LeafPageN + st.LeafOverflowN)
	free := int64(c.s.db.Stats().FreePageN)
	// Two meta pages and at least one page of free list besides.
	if used+free+3 > hwm {
		c.rep.Add(eventstore.Damage{Part: "pages", Detail: fmt.Sprintf(
			"%d pages in use and %d listed free do not fit in the file's %d: the free list or a page header is damaged", used, free, hwm)})
		return nil // bbolt's check would loop over the bogus pages
	}
	for err := range tx.Check() {
		d := eventstore.Damage{Part: "page", Detail: err.Error()}
		if id, ok := pageOf(err.Error()); ok {
			d.Page, d.HasPage = id, true
		}
		c.rep.Add(d)
	}
	releaseMapped(c.s.db, tx)
	c.rep.What = append(c.rep.What, fmt.Sprintf("file structure: %d pages (%d free) by bbolt's check: each reachable once or free, keys in order", hwm, free))
	return nil
}

var _ eventstore.IndexChecker = (*Store)(nil)

// CheckIndexSince implements eventstore.IndexChecker. From Start it walks
// the heads and index buckets whole (indexWalk); from a later position it
// checks the index entry and the head of each record after it, which
// costs what the log gained since then, not what it holds.
func (s *Store) CheckIndexSince(ctx context.Context, from eventstore.Position) (eventstore.CheckReport, error) {
	var rep eventstore.CheckReport
	if s.isClosed() {
		return rep, eventstore.ErrClosed
	}
	c := checker{s: s, rep: &rep}
	if from == eventstore.Start {
		c.phase("index", c.indexWalk)
	} else {
		c.phase("index", func(tx *bbolt.Tx) error { return c.indexSince(ctx, tx, from) })
	}
	return rep, ctx.Err()
}

// freeCount checks the free list lists fewer pages than the file has.
func (c *checker) freeCount(tx *bbolt.Tx) error {
	hwm := tx.Size() / int64(c.s.db.Info().PageSize)
	if free := int64(c.s.db.Stats().FreePageN); free+3 > hwm {
		return fmt.Errorf("the free list lists %d pages in a file of %d", free, hwm)
	}
	c.rep.What = append(c.rep.What, "quick: file size, free list, the log's ends")
	return nil
}

// walkRelease is how many entries indexWalk reads between releases of the
// mapped pages it touched: the buckets' pages lie between the log's, and
// each fault maps its neighbours too (a whole large folio when the kernel
// read the file ahead into the page cache), so a walk left alone made most
// of the file resident (668 MiB of a 1M-event store's 978).
const walkRelease = 1 << 9

// indexWalk walks the heads and index buckets (every page, key and value,
// in this goroutine, under guard): entries well formed, keys in order,
// revisions 0 … head for every stream, one index entry per event.
func (c *checker) indexWalk(tx *bbolt.Tx) error {
	heads := tx.Bucket(bucketHeads)
	for _, name := range [][]byte{bucketHeads, bucketRevs} {
		var prev []byte
		n := uint64(0)
		// The index's streams, each against its head: revisions 0 … head.
		var stream, headless []byte
		var next, head uint64
		endStream := func() {
			if stream != nil && next != head+1 {
				c.rep.Add(eventstore.Damage{Part: "index", Stream: string(stream), Revision: next, HasRevision: true,
					Detail: fmt.Sprintf("the index ends the stream at revision %d, its head says %d", int64(next)-1, head)})
			}
		}
		cur := tx.Bucket(name).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			n++
			if n%walkRelease == 0 {
				releaseMapped(c.s.db, tx)
			}
			c.sink ^= touch(k, v)
			d := eventstore.Damage{Part: "index"}
			if string(name) == string(bucketHeads) {
				d.Part, d.Stream = "head", string(k)
			}
			switch {
			case prev != nil && bytes.Compare(prev, k) >= 0:
				d.Detail = fmt.Sprintf("keys out of order in bucket %s at key %x", name, k)
			case string(name) == string(bucketHeads) && len(v) != 8:
				d.Detail = fmt.Sprintf("head entry is %d bytes, not 8", len(v))
			case string(name) == string(bucketRevs) && len(v) != revValueLen:
				d.Detail = fmt.Sprintf("index entry is %d bytes, not %d", len(v), revValueLen)
			case string(name) == string(bucketRevs):
				st, rev, ok := parseRevKey(k)
				if !ok {
					d.Detail = fmt.Sprintf("undecodable index key %x", k)
					break
				}
				d.Stream, d.Revision, d.HasRevision = string(st), rev, true
				if bytes.Equal(st, headless) {
					break // reported at its first entry
				}
				if !bytes.Equal(st, stream) {
					endStream()
					stream, next = st, 0
					hv := heads.Get(st)
					if len(hv) != 8 {
						d.Detail = "the index holds a stream that has no head"
						stream, headless = nil, st
						break
					}
					head = binary.BigEndian.Uint64(hv)
				}
				if rev != next {
					d.Detail = fmt.Sprintf("index holds revision %d where %d belongs", rev, next)
				}
				next = rev + 1
			}
			if d.Detail != "" {
				c.rep.Add(d)
			}
			prev = k
		}
		endStream()
		if string(name) == string(bucketRevs) && n != c.s.LastPosition() {
			c.rep.Add(eventstore.Damage{Part: "index", Detail: fmt.Sprintf("the index holds %d entries for %d events", n, c.s.LastPosition())})
		}
	}
	releaseMapped(c.s.db, tx)
	c.rep.What = append(c.rep.What, "index: every index and head entry")
	return nil
}

// indexSince checks the index entry and the head of every record after
// from.
func (c *checker) indexSince(ctx context.Context, tx *bbolt.Tx, from eventstore.Position) error {
	heads := tx.Bucket(bucketHeads)
	cur := tx.Bucket(bucketLog).Cursor()
	behind := map[string]bool{}
	n := 0
	for k, v := cur.Seek(appendUint64(nil, from+1)); k != nil; k, v = cur.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pos := uint64FromKey(k)
		stream, rev, id, ok := decodeHeader(v)
		if len(k) != 8 || !ok {
			c.rep.Add(eventstore.Damage{Part: "log", Position: pos, Detail: "the record cannot be decoded"})
			continue
		}
		if d, ok := c.indexEntry(tx, string(stream), rev, pos, id); !ok {
			c.rep.Add(d)
		}
		if hv := heads.Get(stream); (len(hv) != 8 || binary.BigEndian.Uint64(hv) < rev) && !behind[string(stream)] {
			behind[string(stream)] = true // said once a stream
			c.rep.Add(eventstore.Damage{Part: "head", Stream: string(stream), Revision: rev, HasRevision: true, Position: pos,
				Detail: "the stream's head is missing or behind this record's revision"})
		}
	}
	c.rep.What = append(c.rep.What, fmt.Sprintf("index: the entries and heads of the %d records after position %d", n, from))
	return nil
}

// touch reads the last byte of a key and a value: a damaged length would
// fault here, under guard, rather than later elsewhere.
func touch(k, v []byte) byte {
	var b byte
	if len(k) > 0 {
		b ^= k[len(k)-1]
	}
	if len(v) > 0 {
		b ^= v[len(v)-1]
	}
	return b
}

// pageWalk reads every page from the file (not the map, where a bad read
// faults) and checks what bbolt trusts without looking: each branch and
// leaf page's elements lie inside the page, and each child page it names
// inside the file. bbolt's check runs on a goroutine of its own, out of
// guard's reach: it only runs once this walk found nothing.
func (c *checker) pageWalk(tx *bbolt.Tx) error {
	f, err := os.Open(c.s.path)
	if err != nil {
		return fmt.Errorf("reading the pages: %w", err)
	}
	defer f.Close()
	pageSize := int64(c.s.db.Info().PageSize)
	hwm := tx.Size() / pageSize
	buf := make([]byte, pageSize)
	for id := int64(2); id < hwm; {
		info, err := tx.Page(int(id))
		if err != nil || info == nil {
			return fmt.Errorf("page %d: %v", id, err)
		}
		step := int64(info.OverflowCount) + 1
		switch info.Type {
		case "free":
			id++
			continue
		case "branch", "leaf":
		case "freelist", "meta":
			id += step
			continue
		default:
			c.rep.Add(eventstore.Damage{Part: "page", Page: uint64(id), HasPage: true, Detail: fmt.Sprintf("neither free nor a page bbolt knows (type %s)", info.Type)})
			id++
			continue
		}
		if id+step > hwm {
			c.rep.Add(eventstore.Damage{Part: "page", Page: uint64(id), HasPage: true, Detail: fmt.Sprintf("%d overflow pages run past the file's %d", step-1, hwm)})
			return nil
		}
		if int64(cap(buf)) < step*pageSize {
			buf = make([]byte, step*pageSize)
		}
		page := buf[:step*pageSize]
		if _, err := f.ReadAt(page, id*pageSize); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		if detail := checkElements(page, info.Type == "branch", info.Count, uint64(hwm)); detail != "" {
			c.rep.Add(eventstore.Damage{Part: "page", Page: uint64(id), HasPage: true, Detail: detail})
		}
		id += step
	}
	return nil
}

// checkElements bounds-checks a branch or leaf page's elements.
func checkElements(page []byte, branch bool, count int, hwm uint64) string {
	if pageHeaderSize+count*branchElemSize > len(page) {
		return fmt.Sprintf("%d elements do not fit in the page", count)
	}
	for i := range count {
		at := pageHeaderSize + i*branchElemSize // a leaf element is as long
		e := page[at : at+branchElemSize]
		var pos, end uint64
		if branch {
			pos = uint64(binary.LittleEndian.Uint32(e[0:]))
			end = pos + uint64(binary.LittleEndian.Uint32(e[4:]))
			if child := binary.LittleEndian.Uint64(e[8:]); child < 2 || child >= hwm {
				return fmt.Sprintf("element %d names child page %d, outside 2…%d", i, child, hwm-1)
			}
		} else {
			pos = uint64(binary.LittleEndian.Uint32(e[4:]))
			end = pos + uint64(binary.LittleEndian.Uint32(e[8:])) + uint64(binary.LittleEndian.Uint32(e[12:]))
		}
		if uint64(at)+end > uint64(len(page)) {
			return fmt.Sprintf("element %d's key or value runs past the page", i)
		}
	}
	return ""
}

// ends checks the first and the last record against their index entries
// and heads: what a start-up can afford.
func (c *checker) ends(tx *bbolt.Tx) error {
	log := tx.Bucket(bucketLog).Cursor()
	k, v := log.Last()
	if k == nil {
		return nil
	}
	last := uint64FromKey(k)
	if last != c.s.LastPosition() {
		return fmt.Errorf("the last position is %d, the store opened at %d", last, c.s.LastPosition())
	}
	if fk, _ := log.First(); fk == nil || uint64FromKey(fk) != 1 {
		c.rep.Add(eventstore.Damage{Part: "log", Detail: "the log does not start at position 1"})
	}
	stream, rev, id, ok := decodeHeader(v)
	if !ok {
		c.rep.Add(eventstore.Damage{Part: "log", Position: last, Detail: "the last record cannot be decoded"})
		return nil
	}
	if d, ok := c.indexEntry(tx, string(stream), rev, last, id); !ok {
		c.rep.Add(d)
	}
	hv := tx.Bucket(bucketHeads).Get(stream)
	if len(hv) != 8 || binary.BigEndian.Uint64(hv) != rev {
		c.rep.Add(eventstore.Damage{Part: "head", Stream: string(stream), Revision: rev, HasRevision: true, Position: last,
			Detail: "the stream's head is not the revision of its last event"})
	}
	return nil
}

// indexEntry checks one record's entry in bucketRevs.
func (c *checker) indexEntry(tx *bbolt.Tx, stream string, rev uint64, pos eventstore.Position, id []byte) (eventstore.Damage, bool) {
	key := binary.BigEndian.AppendUint64(appendStreamPrefix(nil, stream), rev)
	v := tx.Bucket(bucketRevs).Get(key)
	d := eventstore.Damage{Part: "index", Stream: stream, Revision: rev, HasRevision: true, Position: pos}
	switch {
	case v == nil:
		d.Detail = "the event has no index entry"
	case len(v) != revValueLen:
		d.Detail = fmt.Sprintf("index entry is %d bytes, not %d", len(v), revValueLen)
	case uint64FromKey(v[:8]) != pos || !bytes.Equal(v[8:], id):
		d.Detail = fmt.Sprintf("index entry points at position %d, event %x", uint64FromKey(v[:8]), v[8:])
	default:
		return d, true
	}
	return d, false
}

// log walks the log: positions without gaps, records decodable, IDs
// unique, each stream's revisions contiguous from 0.
func (c *checker) log(ctx context.Context, tx *bbolt.Tx) error {
	last := c.s.LastPosition()
	c.streams = map[string]*streamCheck{}
	c.positions = make([]posCheck, 0, last)
	ids := make(map[uuid.UUID]eventstore.Position, last)
	cur := tx.Bucket(bucketLog).Cursor()
	want := eventstore.Position(1)
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if want%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(k) != 8 {
			c.rep.Add(eventstore.Damage{Part: "log", Position: want, Detail: fmt.Sprintf("a key of %d bytes, not 8, after position %d", len(k), want-1)})
			c.positions = nil
			return nil
		}
		c.sink ^= touch(k, v)
		pos := uint64FromKey(k)
		if pos != want {
			c.rep.Add(eventstore.Damage{Part: "log", Position: pos, Detail: fmt.Sprintf("position %d follows %d: the records between are missing or their keys damaged", pos, want-1)})
			c.positions = nil // the index walk would only repeat this
			return nil
		}
		want++
		p := posCheck{stream: -1}
		stream, rev, id, ok := decodeHeader(v)
		if !ok {
			c.rep.Add(eventstore.Damage{Part: "log", Position: pos, Detail: "the record cannot be decoded"})
			c.positions = append(c.positions, p)
			continue
		}
		copy(p.id[:], id)
		p.rev = rev
		if prev, dup := ids[p.id]; dup {
			c.rep.Add(eventstore.Damage{Part: "log", Position: pos, Detail: fmt.Sprintf("event ID %s is also the event at position %d", p.id, prev)})
		}
		ids[p.id] = pos
		sc := c.streams[string(stream)]
		if sc == nil {
			sc = &streamCheck{idx: int32(len(c.names))}
			c.names = append(c.names, string(stream))
			c.streams[string(stream)] = sc
		}
		if rev != sc.next {
			c.rep.Add(eventstore.Damage{Part: "stream", Stream: string(stream), Revision: rev, HasRevision: true, Position: pos,
				Detail: fmt.Sprintf("revision %d where %d belongs: the stream's revisions are not contiguous in log order", rev, sc.next)})
		}
		sc.next = rev + 1
		p.stream = sc.idx
		c.positions = append(c.positions, p)
	}
	releaseMapped(c.s.db, tx)
	c.last = want - 1
	if c.last != last {
		c.rep.Add(eventstore.Damage{Part: "log", Position: c.last, Detail: fmt.Sprintf("the log ends at position %d, the store opened at %d", c.last, last)})
	}
	c.rep.What = append(c.rep.What, fmt.Sprintf("log: %d records at positions 1…%d in %d streams: positions without gaps, records readable, event IDs unique, revisions contiguous", len(c.positions), c.last, len(c.names)))
	return nil
}

// index walks the per-stream index: each entry must point at the record
// of its stream and revision, and each record must be indexed once.
func (c *checker) index(ctx context.Context, tx *bbolt.Tx) error {
	cur := tx.Bucket(bucketRevs).Cursor()
	n := 0
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		n++
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c.sink ^= touch(k, v)
		stream, rev, ok := parseRevKey(k)
		d := eventstore.Damage{Part: "index", Stream: string(stream), Revision: rev, HasRevision: ok}
		if !ok {
			d.Detail = fmt.Sprintf("undecodable index key %x", k)
			c.rep.Add(d)
			continue
		}
		if len(v) != revValueLen {
			d.Detail = fmt.Sprintf("index entry is %d bytes, not %d", len(v), revValueLen)
			c.rep.Add(d)
			continue
		}
		pos := uint64FromKey(v[:8])
		d.Position = pos
		if pos == 0 || pos > uint64(len(c.positions)) {
			d.Detail = fmt.Sprintf("index entry points at position %d, past the log's end (%d)", pos, len(c.positions))
			c.rep.Add(d)
			continue
		}
		p := &c.positions[pos-1]
		switch {
		case p.stream < 0:
			continue // the record was reported undecodable
		case c.names[p.stream] != string(stream) || p.rev != rev:
			d.Detail = fmt.Sprintf("index entry points at position %d, which holds stream %s revision %d", pos, c.names[p.stream], p.rev)
		case !bytes.Equal(p.id[:], v[8:]):
			d.Detail = fmt.Sprintf("index entry's event ID %x is not the event's (%s)", v[8:], p.id)
		case p.indexed:
			d.Detail = fmt.Sprintf("position %d is indexed twice", pos)
		default:
			p.indexed = true
			continue
		}
		c.rep.Add(d)
	}
	for i := range c.positions {
		p := &c.positions[i]
		if !p.indexed && p.stream >= 0 {
			c.rep.Add(eventstore.Damage{Part: "index", Stream: c.names[p.stream], Revision: p.rev, HasRevision: true, Position: uint64(i + 1),
				Detail: "the event has no (valid) index entry: reading its stream would not find it"})
		}
	}
	releaseMapped(c.s.db, tx)
	c.rep.What = append(c.rep.What, fmt.Sprintf("index: %d entries against the log: each at its record, each record indexed once", n))
	return nil
}

// heads checks each stream's head is its last revision.
func (c *checker) heads(tx *bbolt.Tx) error {
	cur := tx.Bucket(bucketHeads).Cursor()
	n := 0
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		n++
		c.sink ^= touch(k, v)
		sc := c.streams[string(k)]
		if sc != nil {
			sc.hasHead = true // right or wrong, reported once
		}
		d := eventstore.Damage{Part: "head", Stream: string(k)}
		switch {
		case sc == nil:
			d.Detail = "a head for a stream the log does not hold"
		case len(v) != 8:
			d.Detail = fmt.Sprintf("head entry is %d bytes, not 8", len(v))
		case binary.BigEndian.Uint64(v) != sc.next-1:
			d.Revision, d.HasRevision = binary.BigEndian.Uint64(v), true
			d.Detail = fmt.Sprintf("head says revision %d, the log's last is %d", d.Revision, sc.next-1)
		default:
			continue
		}
		c.rep.Add(d)
	}
	for _, name := range c.names {
		if sc := c.streams[name]; !sc.hasHead {
			c.rep.Add(eventstore.Damage{Part: "head", Stream: name, Detail: "the stream has no valid head: appends would restart it"})
		}
	}
	c.rep.What = append(c.rep.What, fmt.Sprintf("heads: %d streams against the log's last revisions", n))
	return nil
}

// decodeHeader decodes a log value's stream, revision and event ID
// without copying.
func decodeHeader(v []byte) (stream []byte, rev uint64, id []byte, ok bool) {
	if len(v) == 0 || v[0] != recordVersion {
		return nil, 0, nil, false
	}
	d := lenprefix.Decoder{Buf: v[1:]}
	stream = d.Bytes()
	rev = d.Uvarint()
	id = d.Take(16)
	d.Bytes() // type
	d.Bytes() // data
	d.Bytes() // metadata
	ok = !d.Bad && len(d.Buf) == 0
	return stream, rev, id, ok
}

// parseRevKey splits a bucketRevs key into stream and revision.
func parseRevKey(k []byte) (stream []byte, rev uint64, ok bool) {
	n, w := binary.Uvarint(k)
	if w <= 0 || uint64(len(k)-w) != n+8 {
		return nil, 0, false
	}
	return k[w : w+int(n)], binary.BigEndian.Uint64(k[w+int(n):]), true
}

// pageRef finds a page number in bbolt's messages ("page 12: …",
// "pgid (12) …", "pgId:12").
var pageRef = regexp.MustCompile(`(?i)(?:page|pgid)[ :(]*(\d+)`)

func pageOf(msg string) (uint64, bool) {
	m := pageRef.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseUint(m[1], 10, 64)
	return id, err == nil
}

// freeList checks the free list of the commit tx reads: the one check
// bbolt does not make, that the free list names only pages between the
// meta pages and the high-water mark. A free list naming a page past it
// passes tx.Check and makes the next commit panic ("pgid above high water
// mark"), so it is read from the file directly (pagefmt.go).
func (c *checker) freeList(tx *bbolt.Tx) error {
	f, err := os.Open(c.s.path)
	if err != nil {
		return fmt.Errorf("reading the free list: %w", err)
	}
	defer f.Close()
	pageSize := int64(c.s.db.Info().PageSize)
	hwm := uint64(tx.Size() / pageSize)
	meta := make([]byte, pageHeaderSize+64)
	var freelist uint64
	found := false
	for id := int64(0); id < 2 && !found; id++ {
		if _, err := f.ReadAt(meta, id*pageSize); err != nil {
			return fmt.Errorf("reading meta page %d: %w", id, err)
		}
		if binary.LittleEndian.Uint64(meta[metaTxIDOff:]) == uint64(tx.ID()) {
			freelist, found = binary.LittleEndian.Uint64(meta[metaFreelistOff:]), true
		}
	}
	if !found || freelist == ^uint64(0) {
		return nil // no meta page of this commit (cannot be), or no free list kept
	}
	if freelist < 2 || freelist >= hwm {
		c.rep.Add(eventstore.Damage{Part: "page", Page: freelist, HasPage: true, Detail: fmt.Sprintf("the free list's page is outside the file's %d pages", hwm)})
		return nil
	}
	info, err := tx.Page(int(freelist))
	if err != nil || info == nil {
		return fmt.Errorf("free-list page %d: %v", freelist, err)
	}
	buf := make([]byte, int64(info.OverflowCount+1)*pageSize)
	if freelist+uint64(info.OverflowCount) >= hwm {
		buf = make([]byte, pageSize)
	}
	if _, err := f.ReadAt(buf, int64(freelist)*pageSize); err != nil {
		return fmt.Errorf("reading free-list page %d: %w", freelist, err)
	}
	if binary.LittleEndian.Uint16(buf[pageFlagsOffset:]) != freelistPageFlag {
		c.rep.Add(eventstore.Damage{Part: "page", Page: freelist, HasPage: true, Detail: "the free-list page is not marked as one"})
		return nil
	}
	count, data := uint64(binary.LittleEndian.Uint16(buf[pageCountOffset:])), buf[pageHeaderSize:]
	if count == 0xFFFF && len(data) >= 8 {
		count, data = binary.LittleEndian.Uint64(data), data[8:]
	}
	if count > uint64(len(data)/8) {
		c.rep.Add(eventstore.Damage{Part: "page", Page: freelist, HasPage: true, Detail: fmt.Sprintf("the free list counts %d pages, more than its page holds", count)})
		return nil
	}
	bad := 0
	for i := uint64(0); i < count; i++ {
		id := binary.LittleEndian.Uint64(data[i*8:])
		if id >= 2 && id < hwm {
			continue
		}
		if bad++; bad <= 10 {
			c.rep.Add(eventstore.Damage{Part: "page", Page: freelist, HasPage: true, Detail: fmt.Sprintf("the free list names page %d, outside 2…%d: the next commit would use it", id, hwm-1)})
		}
	}
	return nil
}
