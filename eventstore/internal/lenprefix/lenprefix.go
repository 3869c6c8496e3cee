// Package lenprefix is the field layout both embedded stores (bolt, seglog)
// encode their records in: uvarints and byte strings prefixed by their
// length as a uvarint.
package lenprefix

import "encoding/binary"

// AppendBytes appends s, its length first as a uvarint.
func AppendBytes[S ~string | ~[]byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Decoder reads fields off the front of Buf. A short or malformed field
// sets Bad and reads as empty, and so does every field after it, so a
// caller decodes a whole record and checks Bad once (and, where a record is
// exactly its fields, that Buf is empty).
type Decoder struct {
	Buf []byte // what is left to read
	Bad bool
}

// Uvarint reads a uvarint.
func (d *Decoder) Uvarint() uint64 {
	if len(d.Buf) > 0 && d.Buf[0] < 0x80 {
		// One byte, as most lengths and revisions are: binary.Uvarint's
		// loop is a call a field (a record has six).
		v := uint64(d.Buf[0])
		d.Buf = d.Buf[1:]
		return v
	}
	v, n := binary.Uvarint(d.Buf)
	if n <= 0 {
		d.Bad = true
		return 0
	}
	d.Buf = d.Buf[n:]
	return v
}

// Take reads the next n bytes. The slice aliases Buf, capped so that an
// append to it cannot overwrite the fields after it.
func (d *Decoder) Take(n uint64) []byte {
	if d.Bad || uint64(len(d.Buf)) < n {
		d.Bad = true
		return nil
	}
	b := d.Buf[:n:n]
	d.Buf = d.Buf[n:]
	return b
}

// Bytes reads a byte string written by AppendBytes.
func (d *Decoder) Bytes() []byte { return d.Take(d.Uvarint()) }
