package api

import (
	"fmt"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// postStatement is billing posting a month's statement (STMT-1..3): 201 when
// it is new, 200 when the identical statement was already there (STMT-2).
func (s *server) postStatement(c echo.Context) error {
	var cmd domain.PostStatement
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	if raw == nil {
		return badRequest("", "A JSON body is required.")
	}
	body, err := decodeStrict(raw, &cmd)
	if err != nil {
		if p := amountProblem(raw); p != nil {
			return p
		}
		return err
	}
	// The answer is made under the ledger's lock (a view), not from a copy
	// of the whole account.
	res, err := s.executeView(c, cmd, body, func(acc *domain.Account) any {
		if st, ok := acc.Statements[cmd.Month]; ok {
			return viewStatement(st)
		}
		return nil
	})
	if err != nil {
		return err
	}
	st, ok := res.View.(statementOut)
	if !ok {
		return errNotFound
	}
	status := http.StatusOK
	if len(res.Records) > 0 {
		status = http.StatusCreated
		// The statement's own URI, the one its adjustments hang from.
		setLocation(c, "statements", cmd.Month)
	}
	return answer(c, status, st)
}

// listStatements lists the account's statements, optionally of one status.
func (s *server) listStatements(c echo.Context) error {
	status, err := statementStatusParam(c)
	if err != nil {
		return err
	}
	if !s.accountKnown(c) {
		return errNotFound
	}
	views, _ := s.cfg.Projections.Statements(c.Param("acc"), status)
	items := make([]statementItemOut, len(views))
	for i, v := range views {
		items[i] = viewStatementItem(v)
	}
	return answer(c, http.StatusOK, listOf(items))
}

// moneyFields are a statement line's amounts (STMT-3).
var moneyFields = []string{"amount", "voucher", "coupon", "gift_balance"}

// amountProblem names the line amounts that broke STMT-3 when a statement
// did not decode: the amount decoder cannot say which field it was reading,
// and API.md wants a field rule's 400 to carry its code and the field. It
// returns nil when the amounts are not what went wrong.
func amountProblem(raw []byte) *Problem {
	var in struct {
		Lines []map[string]jsontext.Value `json:"lines"`
	}
	if json.Unmarshal(raw, &in) != nil {
		return nil
	}
	var fields []fieldError
	for i, line := range in.Lines {
		for _, name := range moneyFields {
			v, ok := line[name]
			if !ok {
				continue
			}
			field := fmt.Sprintf("lines[%d].%s", i, name)
			var s string
			if json.Unmarshal(v, &s) != nil {
				fields = append(fields, fieldError{Field: field, Message: field + ` must be a JSON string like "1234.50"`})
			} else if _, err := domain.ParseMoney(s); err != nil {
				fields = append(fields, fieldError{Field: field, Message: field + ": " + err.Error()})
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return ruleProblem(domain.FieldRule, "STMT-3", fields[0].Message, fields)
}
