package projections

import "github.com/fapiao/fapiao/domain"

// statusCode is an invoice status in one byte, so that a status filter scans
// a dense array.
type statusCode uint8

// statuses lists every lifecycle state; a status's code is its index. Code 0
// stands for a status this build does not know.
var statuses = []domain.InvoiceStatus{
	"",
	domain.UnderReview,
	domain.Issuing,
	domain.Issued,
	domain.ReturnRequestedState,
	domain.PaperReceived,
	domain.Rejected,
	domain.Cancelled,
	domain.Voided,
	domain.RedFlushed,
}

func codeOf(s domain.InvoiceStatus) statusCode {
	for i, x := range statuses {
		if x == s {
			return statusCode(i)
		}
	}
	return 0
}

func (c statusCode) status() domain.InvoiceStatus { return statuses[c] }
