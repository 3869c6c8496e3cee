package domain

import (
	"errors"
	"fmt"
)

// Kind tells a field rule (the input itself is wrong: HTTP 400) from a state
// rule (the input is fine but the account's state forbids it: HTTP 422).
type Kind uint8

const (
	// FieldRule: the command's input breaks a rule on its own.
	FieldRule Kind = iota + 1
	// StateRule: the account's current state forbids the command.
	StateRule
	// NotFound: the command names something the account does not have.
	NotFound
	// Conflict: an idempotency key reused with another request.
	Conflict
)

// RuleError is a broken rule of DOMAIN.md. Code is the rule ID ("APP-2");
// Message is written for the customer and says what to do.
type RuleError struct {
	Code    string
	Kind    Kind
	Message string
	// Field names the offending input field for field rules ("taxpayer_id").
	Field string
	// Fields lists further field errors when several fields are wrong.
	Fields []FieldError
}

// FieldError is one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *RuleError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// AsRuleError returns the *RuleError in err's chain, if any.
func AsRuleError(err error) (*RuleError, bool) {
	var re *RuleError
	ok := errors.As(err, &re)
	return re, ok
}

func fieldErr(code, field, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Kind: FieldRule, Field: field, Message: fmt.Sprintf(format, args...)}
}

func stateErr(code, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Kind: StateRule, Message: fmt.Sprintf(format, args...)}
}

func notFoundErr(code, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Kind: NotFound, Message: fmt.Sprintf(format, args...)}
}
