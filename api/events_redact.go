package api

import (
	"encoding/json"
	"fmt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// redactForCustomer is an account's event as its customer may see it. Staff
// appear as their role (actor.id "finance", not the person's name), and the
// Idempotency-Key and request hash of commands the customer did not send
// are dropped: keys are the caller's own (API.md). The customer's own events
// are untouched. Auditors get the stored event: a redacted one no longer
// matches its hash, so only theirs can be checked against the chain.
func redactForCustomer(r eventstore.Record, account string) (eventstore.Record, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Metadata, &m); err != nil {
		return r, fmt.Errorf("api: metadata of %s@%d: %w", r.Stream, r.Revision, err)
	}
	var a eventstore.Actor
	if raw, ok := m["actor"]; ok {
		if err := json.Unmarshal(raw, &a); err != nil {
			return r, fmt.Errorf("api: actor of %s@%d: %w", r.Stream, r.Revision, err)
		}
	}
	if a.Role == string(domain.RoleCustomer) && a.ID == account {
		return r, nil
	}
	if a.Role != string(domain.RoleCustomer) {
		a.ID = a.Role
	}
	actor, err := json.Marshal(a)
	if err != nil {
		return r, err
	}
	m["actor"] = actor
	delete(m, "idempotency_key")
	delete(m, "request_hash")
	out, err := json.Marshal(m)
	if err != nil {
		return r, err
	}
	r.Metadata = out
	return r, nil
}
