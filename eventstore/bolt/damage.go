package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/fapiao/fapiao/eventstore"
)

// bbolt trusts its file: a damaged page makes it panic ("invalid page
// type", an index out of range) or touch memory outside the mapping (a
// fault, which Go turns into a panic only when asked). Every entry into
// bbolt therefore runs under guard, which turns both into an error
// wrapping eventstore.ErrCorrupt: a damaged file is reported, never a
// crash.

// guard runs fn, turning a panic or a memory fault in it into ErrCorrupt.
func guard(what string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = panicError(what, r)
		}
	}()
	return fn()
}

// panicError describes a recovered panic as damage.
func panicError(what string, r any) error {
	detail := fmt.Sprint(r)
	var re runtime.Error
	if e, ok := r.(error); ok && errors.As(e, &re) {
		detail = "unreadable page (" + re.Error() + ")"
	}
	return fmt.Errorf("%s: %s (%w)", what, detail, eventstore.ErrCorrupt)
}

// corruptf returns an error wrapping eventstore.ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf(format+" (%w)", append(args, eventstore.ErrCorrupt)...)
}

// preflight reads the file's meta pages and the free-list page they name
// before bbolt maps the file: bbolt reads them while opening without
// bounds checks, and a panic there would leave the file mapped (and so
// locked) for the life of the process. It checks what bbolt would trust:
// the file is as long as the newest valid meta page says, and the free
// list lies inside it, is marked as one and holds the count it claims.
// Meta pages that do not validate are left to bbolt, which reports them.
func preflight(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // bbolt reports it
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil
	}
	size := info.Size()
	var best *metaPage
	pageSize := int64(4096)
	for id := int64(0); id < 2; id++ {
		m, ok := readMeta(f, id*pageSize)
		if !ok {
			continue
		}
		if id == 0 {
			pageSize = int64(m.pageSize)
		}
		if best == nil || m.txid > best.txid {
			best = &m
		}
	}
	if best == nil {
		return nil
	}
	ps := int64(best.pageSize)
	if best.pgid > uint64(size/ps) {
		return corruptf("the file is %d bytes but its last commit needs %d: it was cut short", size, int64(best.pgid)*ps)
	}
	if best.root < 2 || best.root >= best.pgid {
		return corruptf("the root page %d is outside the file's %d pages", best.root, best.pgid)
	}
	if best.freelist == ^uint64(0) {
		return nil
	}
	if best.freelist < 2 || best.freelist >= best.pgid {
		return corruptf("the free list's page %d is outside the file's %d pages", best.freelist, best.pgid)
	}
	head := make([]byte, pageHeaderSize+8)
	if _, err := f.ReadAt(head, int64(best.freelist)*ps); err != nil {
		return corruptf("page %d: the free list cannot be read: %v", best.freelist, err)
	}
	if binary.LittleEndian.Uint16(head[pageFlagsOffset:]) != freelistPageFlag {
		return corruptf("page %d: the free list's page is not marked as one", best.freelist)
	}
	overflow := uint64(binary.LittleEndian.Uint32(head[12:]))
	if best.freelist+overflow >= best.pgid {
		return corruptf("page %d: the free list's %d overflow pages run past the file's %d", best.freelist, overflow, best.pgid)
	}
	count, skip := uint64(binary.LittleEndian.Uint16(head[pageCountOffset:])), uint64(0)
	if count == 0xFFFF {
		count, skip = binary.LittleEndian.Uint64(head[pageHeaderSize:]), 1
	}
	if room := (overflow+1)*uint64(ps)/8 - 2; count+skip > room {
		return corruptf("page %d: the free list counts %d pages, more than its page holds", best.freelist, count)
	}
	return nil
}

// metaPage is what preflight needs of a bbolt meta page.
type metaPage struct {
	pageSize                   uint32
	root, freelist, pgid, txid uint64
}

// readMeta reads and validates (magic, version, checksum) the meta page at off.
func readMeta(f *os.File, off int64) (metaPage, bool) {
	b := make([]byte, pageHeaderSize+64)
	if _, err := f.ReadAt(b, off); err != nil {
		return metaPage{}, false
	}
	m := b[pageHeaderSize:]
	if binary.LittleEndian.Uint32(m[0:]) != 0xED0CDAED || binary.LittleEndian.Uint32(m[4:]) != 2 {
		return metaPage{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
		return metaPage{}, false
	}
	mp := metaPage{
		pageSize: binary.LittleEndian.Uint32(m[8:]),
		root:     binary.LittleEndian.Uint64(m[16:]),
		freelist: binary.LittleEndian.Uint64(m[32:]),
		pgid:     binary.LittleEndian.Uint64(m[40:]),
		txid:     binary.LittleEndian.Uint64(m[48:]),
	}
	if mp.pageSize < 512 || mp.pageSize > 1<<20 {
		return metaPage{}, false
	}
	return mp, true
}
