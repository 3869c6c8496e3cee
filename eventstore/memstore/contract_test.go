package memstore_test

import (
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return memstore.New() }, storetest.Features{Contiguous: true})
}
