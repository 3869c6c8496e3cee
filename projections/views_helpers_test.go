package projections

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

// tamper changes an account's stored view the way a defective fold would,
// behind the projections' back (the cache is dropped).
func tamper(t testing.TB, p *Projections, acc string, fn func(av *accountView)) {
	t.Helper()
	err := p.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bktAccounts)
		av, err := decodeStored(tx, acc, b.Get([]byte(acc)))
		if err != nil {
			return err
		}
		fn(av)
		if err := b.Put([]byte(acc), av.encode(nil)); err != nil {
			return err
		}
		return dropTail(tx, acc)
	})
	if err != nil {
		t.Fatal(err)
	}
	p.cache.clear()
}
