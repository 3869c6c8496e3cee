package bolt

import "encoding/binary"

// bbolt's on-disk page layout (go.etcd.io/bbolt/internal/common: Page,
// Meta, branchPageElement, leafPageElement), read directly by the
// checks (check.go) and by the stream reader (leafread.go), which bbolt's
// API cannot serve: a damaged page's bounds, the free list's high-water
// mark, and reading a leaf with pread.
const (
	pageHeaderSize   = 16
	pageFlagsOffset  = 8
	pageCountOffset  = 10
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	branchElemSize   = 16
	leafElemSize     = 16
	metaFreelistOff  = pageHeaderSize + 32 // magic, version, page size, flags, root bucket
	metaTxIDOff      = pageHeaderSize + 48
)

// native is the byte order bbolt writes its pages in on the machines we
// run on (little-endian).
var native = binary.LittleEndian
