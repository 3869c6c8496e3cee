package projections

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// The views file is a bbolt file holding every read model, with the log
// position they are at in the same transaction as the data: after a crash
// the file is exactly as of its stored position, never half a batch.
//
// Buckets and keys (positions are 8 bytes big-endian, so that a cursor
// walks them in log order):
//
//	accounts  account id → stamp(8) holders snapshot   per-account state
//	invoices  pos → status(1) id(16) account             invoices in log order
//	status    status(1) pos → ""                         the finance queue by status
//	accinv    len(2) account pos → status(1) id(16)      an account's invoices
//	byid      id(16) → pos(8) account                    invoice id → its request
//	tail      len(2) account pos → tail entry             an account's events after its snapshot
//	closings  pos → ref pos(8) status(1) at              voids and red-flushes (REC-2)
//	pending   confirmation id(16) → JSON                 open confirmations (RED-3, RED-4)
//	faults    pos → JSON                                 records not folded (the first 100)
//	meta      format, view version, log identity, position, applied, …
var (
	bktAccounts = []byte("accounts")
	bktInvoices = []byte("invoices")
	bktStatus   = []byte("status")
	bktAccInv   = []byte("accinv")
	bktByID     = []byte("byid")
	bktClosings = []byte("closings")
	bktPending  = []byte("pending")
	bktFaults   = []byte("faults")
	bktMeta     = []byte("meta")
	bktTail     = []byte("tail")
	allBuckets  = [][]byte{bktAccounts, bktInvoices, bktStatus, bktAccInv, bktByID, bktClosings, bktPending, bktFaults, bktMeta, bktTail}

	metaFormat   = []byte("format")
	metaViews    = []byte("views")
	metaIdentity = []byte("identity")
	metaPosition = []byte("position")
	metaApplied  = []byte("applied")
	metaFaults   = []byte("faults")
	metaLastMeta = []byte("last_meta")
	metaComplete = []byte("complete")
)

// FormatVersion is the layout of the views file (buckets and keys above);
// ViewsVersion is the code version of what the views hold: bump it when the
// fold or an index changes meaning, and every views file rebuilds itself.
// The account snapshots carry their own version (domain.SnapshotVersion),
// which is part of ViewsVersion's value. Format 2 added the tail bucket.
const (
	FormatVersion = 2
	ViewsVersion  = 1*1000 + domain.SnapshotVersion
)

func posKey(pos eventstore.Position) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), pos)
}

// accInvPrefix is the accinv keys' prefix for an account: its length
// first, so that no account's keys run into another's.
func accInvPrefix(acc string) []byte {
	k := make([]byte, 0, 2+len(acc)+8)
	k = binary.BigEndian.AppendUint16(k, uint16(len(acc)))
	return append(k, acc...)
}

func accInvKey(acc string, pos eventstore.Position) []byte {
	return binary.BigEndian.AppendUint64(accInvPrefix(acc), pos)
}

func statusKey(c statusCode, pos eventstore.Position) []byte {
	return binary.BigEndian.AppendUint64([]byte{byte(c)}, pos)
}

// invoiceRef is an entry of the invoices bucket.
type invoiceRef struct {
	pos     eventstore.Position
	status  statusCode
	id      uuid.UUID
	account string
}

func (r invoiceRef) value() []byte {
	return appendRefValue(make([]byte, 0, 17+len(r.account)), &r)
}

func parseInvoiceRef(pos eventstore.Position, v []byte) (invoiceRef, error) {
	if len(v) < 17 {
		return invoiceRef{}, fmt.Errorf("%w: invoice entry at %d is %d bytes", ErrDamaged, pos, len(v))
	}
	return invoiceRef{pos: pos, status: statusCode(v[0]), id: uuid.UUID(v[1:17]), account: string(v[17:])}, nil
}

// ErrDamaged: the views file cannot be read as views; it is rebuilt, never
// served.
var ErrDamaged = errors.New("projections: damaged views file")

// fileMeta is the meta bucket.
type fileMeta struct {
	format, views uint64
	identity      string
	position      eventstore.Position
	applied       uint64
	faults        uint64
	lastMeta      []byte
	complete      bool
	unsynced      string // the boot of commits not synced yet (durability.go)
}

func readMeta(tx *bolt.Tx) (fileMeta, error) {
	b := tx.Bucket(bktMeta)
	if b == nil {
		return fileMeta{}, fmt.Errorf("%w: no %s bucket", ErrDamaged, bktMeta)
	}
	var m fileMeta
	// A file of another format may lack buckets of this one: its format
	// is the reason it is not served (usable), not damage.
	if f, ok := u64(b.Get(metaFormat)); ok && f != FormatVersion {
		m.format = f
		return m, nil
	}
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return fileMeta{}, fmt.Errorf("%w: no %s bucket", ErrDamaged, b)
		}
	}
	var ok [4]bool
	m.format, ok[0] = u64(b.Get(metaFormat))
	m.views, ok[1] = u64(b.Get(metaViews))
	m.position, ok[2] = u64(b.Get(metaPosition))
	m.applied, ok[3] = u64(b.Get(metaApplied))
	for _, o := range ok {
		if !o {
			return fileMeta{}, fmt.Errorf("%w: the meta bucket is unreadable", ErrDamaged)
		}
	}
	m.faults, _ = u64(b.Get(metaFaults))
	m.identity = string(b.Get(metaIdentity))
	m.lastMeta = append([]byte(nil), b.Get(metaLastMeta)...)
	m.complete = b.Get(metaComplete) != nil
	m.unsynced = string(b.Get(metaUnsynced))
	return m, nil
}

func u64(v []byte) (uint64, bool) {
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func putU64(b *bolt.Bucket, k []byte, v uint64) error {
	return b.Put(k, binary.BigEndian.AppendUint64(nil, v))
}

// initFile creates the buckets and the meta of an empty views file.
func initFile(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	m := tx.Bucket(bktMeta)
	if m.Get(metaFormat) != nil {
		return nil
	}
	for k, v := range map[string]uint64{"format": FormatVersion, "views": ViewsVersion, "position": 0, "applied": 0, "faults": 0} {
		if err := putU64(m, []byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// LogIdentity names a log by its first record: a views file built from
// another log (another store, a log rebuilt or migrated to other positions)
// has another identity and is rebuilt, never served. An empty log has the
// identity "".
func LogIdentity(ctx context.Context, store eventstore.Store) (string, error) {
	for r, err := range store.ReadAll(ctx, eventstore.Start) {
		if err != nil {
			return "", fmt.Errorf("projections: reading the log's first record: %w", err)
		}
		return recordIdentity(r), nil
	}
	return "", nil
}

func recordIdentity(r eventstore.Record) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], r.Position)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], r.Revision)
	h.Write(n[:])
	h.Write(r.ID[:])
	for _, s := range [][]byte{[]byte(r.Stream), []byte(r.Type), r.Data, r.Metadata} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write(s)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// fault is a record the projection could not fold.
type fault struct {
	Position eventstore.Position
	Stream   string
	Type     string
	Err      string
}

const maxFaults = 100

// closingValue is a closings entry: the invoice's request position, the
// status it closed with and when.
func closingValue(ref eventstore.Position, status statusCode, at time.Time) []byte {
	v := binary.BigEndian.AppendUint64(nil, ref)
	v = append(v, byte(status))
	return binary.BigEndian.AppendUint64(v, uint64(at.UnixNano()))
}

func parseClosing(v []byte) (ref eventstore.Position, status statusCode, at time.Time, err error) {
	if len(v) != 17 {
		return 0, 0, time.Time{}, fmt.Errorf("%w: closing entry of %d bytes", ErrDamaged, len(v))
	}
	return binary.BigEndian.Uint64(v), statusCode(v[8]), time.Unix(0, int64(binary.BigEndian.Uint64(v[9:]))), nil
}

func encodePending(pc PendingConfirmation) []byte {
	b, _ := json.Marshal(pc) // plain fields: cannot fail
	return b
}

func decodePending(v []byte) (PendingConfirmation, error) {
	var pc PendingConfirmation
	if err := json.Unmarshal(v, &pc); err != nil {
		return pc, fmt.Errorf("%w: pending confirmation: %w", ErrDamaged, err)
	}
	return pc, nil
}
