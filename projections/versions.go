package projections

import "sync"

// versionMap holds the Version of each account's view as committed to the
// open views file, for AccountVersion: the API asks it before every GET of
// an account (its JSON cache is keyed by it), and reading it from the file
// cost a read transaction and two seeks each time.
//
// It is never ahead of the file: a commit publishes its accounts' versions
// only once bolt has committed them, before Position moves, so whoever
// waited for a position sees the versions of everything up to it. A reader
// that found a version in the file teaches it only where no commit has
// published one, so an older read cannot overwrite a newer commit. Swapping
// or closing the file clears it. One entry per account read or written
// (a key and a uint64).
type versionMap struct {
	mu sync.RWMutex
	m  map[string]uint64
}

func (vm *versionMap) get(acc string) (uint64, bool) {
	vm.mu.RLock()
	v, ok := vm.m[acc]
	vm.mu.RUnlock()
	return v, ok
}

// publish records the versions a commit has just written.
func (vm *versionMap) publish(dirty map[string]*accountView) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.m == nil {
		vm.m = make(map[string]uint64, len(dirty))
	}
	for id, av := range dirty {
		vm.m[id] = av.acc.Version
	}
}

// learn records a version read from the file unless a commit has
// published one meanwhile (which is as new or newer).
func (vm *versionMap) learn(acc string, v uint64) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if _, ok := vm.m[acc]; ok {
		return
	}
	if vm.m == nil {
		vm.m = map[string]uint64{}
	}
	vm.m[acc] = v
}

func (vm *versionMap) clear() {
	vm.mu.Lock()
	vm.m = nil
	vm.mu.Unlock()
}
