package bench

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/loggen"
	"github.com/fapiao/fapiao/ledger"
)

// sharedClient is one of several clients writing to the same account: it
// owns one statement month of it and applies for an invoice over that month
// and cancels it, again and again. Clients of one account never refuse each
// other's commands, so what the account sustains is measured, not a mix of
// rule errors.
type sharedClient struct {
	l       *ledger.Ledger
	acc     string
	month   string
	addr    uuid.UUID
	inv     uuid.UUID // the pending application, or Nil
	applied bool
	n       int
}

// setupShared gives the account a title, an address and one available
// statement per client, and returns the clients.
func setupShared(ctx context.Context, l *ledger.Ledger, acc string, clients int) ([]*sharedClient, error) {
	cust := eventstore.Actor{Role: string(domain.RoleCustomer), ID: acc}
	exec := func(actor eventstore.Actor, cmd domain.Command) (ledger.Result, error) {
		res, err := l.Execute(ctx, ledger.Request{AccountID: acc, Actor: actor, Command: cmd})
		if err != nil {
			err = fmt.Errorf("bench: setting up %s: %T: %w", acc, cmd, err)
		}
		return res, err
	}
	if _, err := exec(cust, domain.SubmitTitle{Title: benchTitle}); err != nil {
		return nil, err
	}
	res, err := exec(cust, domain.AddAddress{Address: loggen.Address, Default: true})
	if err != nil {
		return nil, err
	}
	addr := res.Account.Addresses[0].ID
	out := make([]*sharedClient, clients)
	for i := range out {
		m := monthName(i)
		if _, err := exec(billingActor, statementOf(m, "100.00")); err != nil {
			return nil, err
		}
		out[i] = &sharedClient{l: l, acc: acc, month: m, addr: addr}
	}
	return out, nil
}

// next applies or cancels; it returns the events written.
func (c *sharedClient) next(ctx context.Context) (int, error) {
	var cmd domain.Command = domain.RequestInvoice{Statements: []string{c.month}, AddressID: c.addr, Agree: true}
	if c.applied {
		cmd = domain.CancelInvoice{InvoiceID: c.inv, By: domain.RoleCustomer}
	}
	c.n++
	res, err := c.l.Execute(ctx, ledger.Request{
		AccountID: c.acc, Actor: eventstore.Actor{Role: string(domain.RoleCustomer), ID: c.acc}, Command: cmd,
		IdempotencyKey: fmt.Sprintf("%s-%s-%d", c.acc, c.month, c.n),
		View:           lastInvoice, // as the API answers invoice commands
	})
	if err != nil {
		return 0, fmt.Errorf("%s %s %T: %w", c.acc, c.month, cmd, err)
	}
	if !c.applied {
		for _, e := range res.Events {
			if requested, ok := e.(domain.InvoiceRequested); ok {
				c.inv = requested.InvoiceID
			}
		}
	}
	c.applied = !c.applied
	return len(res.Records), nil
}
