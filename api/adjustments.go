package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/projections"
)

// adjustmentBody is billing's refund or downgrade after a statement was
// posted (DEF-1). The amount is text so that the domain refuses a third
// decimal instead of a decoder rounding it.
type adjustmentBody struct {
	AdjustmentID string `json:"adjustment_id"`
	Bucket       string `json:"bucket"`
	Amount       string `json:"amount"`
	Reason       string `json:"reason"`
	Reference    string `json:"reference"`
}

// adjustmentView is one adjustment as the API answers it.
type adjustmentView struct {
	AdjustmentID string        `json:"adjustment_id"`
	Month        string        `json:"month"`
	Bucket       domain.Bucket `json:"bucket"`
	Amount       domain.Money  `json:"amount"`
	Reason       string        `json:"reason"`
	Reference    string        `json:"reference,omitempty"`
	AdjustedAt   time.Time     `json:"adjusted_at"`
}

func viewAdjustment(a domain.Adjustment) adjustmentView {
	return adjustmentView{AdjustmentID: a.ID, Month: a.Month, Bucket: a.Bucket, Amount: a.Amount,
		Reason: a.Reason, Reference: a.Reference, AdjustedAt: a.At}
}

// adjustmentAnswer is what posting an adjustment answers: the adjustment,
// the statement it left and the account's balance with its deficit, so
// that billing sees at once whether it raised a deficit (DEF-2, DEF-3).
type adjustmentAnswer struct {
	adjustmentView
	Statement   statementItemOut `json:"statement"`
	Invoiceable balanceOut       `json:"invoiceable"`
}

// postAdjustment: billing takes an amount off a posted statement's bucket
// (DEF-1): 201 when new, 200 when the identical adjustment was already
// posted; another body under the same adjustment_id is 409.
func (s *server) postAdjustment(c echo.Context) error {
	month := c.Param("month")
	var in adjustmentBody
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	cmd := domain.PostAdjustment{Month: month, AdjustmentID: in.AdjustmentID, Bucket: domain.Bucket(in.Bucket),
		Amount: in.Amount, Reason: in.Reason, Reference: in.Reference}
	res, err := s.execute(c, cmd, body)
	if err != nil {
		return err
	}
	acc := res.Account
	if acc == nil || acc.Statements[month] == nil {
		return errNotFound
	}
	adj, ok := acc.Adjustments[cleanID(in.AdjustmentID)]
	if !ok {
		return errNotFound
	}
	status := http.StatusOK
	if len(res.Records) > 0 {
		status = http.StatusCreated
		setLocation(c, "statements", month, "adjustments")
	}
	return answer(c, status, adjustmentAnswer{
		adjustmentView: viewAdjustment(adj),
		Statement:      viewStatementItem(projections.NewStatementView(acc.Statements[month])),
		Invoiceable:    viewBalance(acc.Balance()),
	})
}

// listAdjustments lists a statement's adjustments in the order posted.
func (s *server) listAdjustments(c echo.Context) error {
	month := c.Param("month")
	adjs, ok := s.cfg.Projections.Adjustments(c.Param("acc"), month)
	if !ok {
		return problem(http.StatusNotFound, "There is no statement for "+month+".")
	}
	items := make([]adjustmentView, len(adjs))
	for i, a := range adjs {
		items[i] = viewAdjustment(a)
	}
	return answer(c, http.StatusOK, listOf(items))
}

// cleanID is the adjustment ID as the domain stores it (trimmed).
func cleanID(id string) string { return strings.TrimSpace(id) }
