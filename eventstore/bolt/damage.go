package bolt

import (
	"errors"
	"fmt"
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
