package jsonscan

// WordNotPlain is not zero when one of x's eight bytes (a little-endian
// load of a string's bytes) is not written as itself by Plain's rules for
// ASCII: below 0x20, 0x7f or above, or one of '"', '\\', '<', '>', '&'.
// Each test is the classic "has a byte below n" / "has a zero byte" on x,
// or on x with the byte sought xored out: exact as to whether any byte
// matches, so a caller checks eight bytes at a time and only looks closer
// at a word that is not zero. DEL (0x7f) is refused here though Plain
// passes it: the callers' tables decide it byte by byte.
func WordNotPlain(x uint64) uint64 {
	const (
		lsb = 0x0101010101010101
		msb = 0x8080808080808080
	)
	zero := func(v uint64) uint64 { return (v - lsb) &^ v }
	return (x&msb | (x-0x20*lsb)&^x | zero(x^0x7f*lsb) | zero(x^'"'*lsb) | zero(x^'\\'*lsb) |
		zero(x^'<'*lsb) | zero(x^'>'*lsb) | zero(x^'&'*lsb)) & msb
}
