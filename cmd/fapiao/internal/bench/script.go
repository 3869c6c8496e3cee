package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/loggen"
	"github.com/fapiao/fapiao/ledger"
)

// benchNow is the ledger clock of the append scenario: a business day, so
// that every month from firstMonth up to 2026-02 may be posted (STMT-1).
var benchNow = time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// firstMonth and monthsPerAccount bound the months an account posts before
// the script moves on to a fresh account: two years of monthly statements,
// so accounts stay the size of real ones instead of growing for ever.
var firstMonth = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const monthsPerAccount = 24

var (
	billingActor = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	financeActor = eventstore.Actor{Role: string(domain.RoleFinance), ID: "fin-bench"}
	benchTitle   = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderCompany, Name: "示例科技有限公司", TaxpayerID: "91110108MA01ABCDEN"}
)

// cycle is one round of an account's life in the append mix: two months
// posted; the first applied for, approved, issued and shipped; the second
// applied for and cancelled, applied for again and rejected. Every command
// succeeds and writes; issuing also reserves its number (ISSUE-2).
var cycle = []string{"post", "post", "apply", "approve", "issue", "ship", "apply2", "cancel", "apply2", "reject"}

// script drives one account (then the next, when its months run out)
// through the cycle. One goroutine owns a script.
type script struct {
	l       *ledger.Ledger
	prefix  string // run and worker: accounts are prefix-g<n>
	code    string // invoice code of this run
	numbers *atomic.Int64

	gen      int
	acc      string
	step     int // index in cycle
	month    int // months posted by acc
	onboard  int // onboarding commands done (title, address)
	addr     uuid.UUID
	inv      uuid.UUID
	commands int

	// view is the answer to the script's cycle commands, written again
	// for each (a connection's buffer): viewInvoice and viewStatement
	// write it, bound to the script once (viewMonth: the statement to
	// view).
	view                       entityView
	viewMonth                  string
	viewInvoice, viewStatement func(*domain.Account) any
}

func monthName(i int) string { return firstMonth.AddDate(0, i, 0).Format("2006-01") }

// The commands a script sends are made by its client, not the ledger: the
// parts that are the same for every account are made once, so that the
// client's own work (formatting months, building statements, boxing them in
// an interface) does not count in `bench append`'s CPU a command. They are
// only read: neither the ledger nor the domain writes through a command.
var (
	// months[i] is monthName(i) for an account's months.
	months = func() (m [monthsPerAccount]string) {
		for i := range m {
			m[i] = monthName(i)
		}
		return m
	}()
	// posts[i] posts month i: 100.00 for the first month of a cycle, 50.00
	// for the second.
	posts = func() (p [monthsPerAccount]domain.Command) {
		for i := range p {
			amount := "100.00"
			if i%2 == 1 {
				amount = "50.00"
			}
			p[i] = statementOf(months[i], amount)
		}
		return p
	}()
	// monthLists[i] lists month i alone, as an application names it.
	monthLists = func() (l [monthsPerAccount][]string) {
		for i := range l {
			l[i] = []string{months[i]}
		}
		return l
	}()
	// benchIssuedOn is the issue date of every invoice.
	benchIssuedOn = domain.BusinessDate(benchNow)
)

func statementOf(month string, amount string) domain.PostStatement {
	return domain.PostStatement{Month: month, Lines: []domain.StatementLine{
		{LineID: "l-" + month + "-1", Product: "ECS", BillingMode: domain.Prepaid, PurchasedAt: "2025-06-15", Channel: domain.ChannelKingsoft, Amount: domain.MustMoney(amount)},
		{LineID: "l-" + month + "-2", Product: "CDN", BillingMode: domain.Prepaid, PurchasedAt: "2025-06-20", Channel: domain.ChannelMarketplaceSelf, Amount: domain.MustMoney("12.34"), Voucher: domain.MustMoney("1.00")},
	}}
}

// next runs the script's next command and returns the events it wrote.
func (s *script) next(ctx context.Context) (int, error) {
	if s.acc == "" || (s.step == 0 && s.month+2 > monthsPerAccount) {
		s.gen++
		s.acc, s.step, s.month, s.onboard = fmt.Sprintf("%s-g%d", s.prefix, s.gen), 0, 0, 0
	}
	cust := eventstore.Actor{Role: string(domain.RoleCustomer), ID: s.acc}
	if s.step == 1 && s.onboard < 2 {
		// Between the two posts of an account's first cycle it submits its
		// title and adds its address, one command each.
		var (
			cmd  domain.Command = domain.SubmitTitle{Title: benchTitle}
			view                = titleView
		)
		if s.onboard == 1 {
			cmd, view = domain.AddAddress{Address: loggen.Address, Default: true}, lastAddress
		}
		res, err := s.execView(ctx, cust, cmd, view)
		if err != nil {
			return 0, fmt.Errorf("%s onboarding (%T): %w", s.acc, cmd, err)
		}
		if s.onboard == 1 {
			s.addr = viewID(res.View)
		}
		releaseView(res.View)
		s.onboard++
		return len(res.Records), nil
	}
	var (
		cmd   domain.Command
		actor = cust
	)
	if s.viewInvoice == nil {
		s.viewInvoice, s.viewStatement = s.invoiceView, s.statementView
	}
	view := s.viewInvoice
	switch cycle[s.step] {
	case "post":
		cmd, actor, view, s.viewMonth = posts[s.month], billingActor, s.viewStatement, months[s.month]
		if s.step == 1 {
			cmd, s.viewMonth = posts[s.month+1], months[s.month+1]
		}
	case "apply":
		cmd = domain.RequestInvoice{Statements: monthLists[s.month], AddressID: s.addr, Agree: true}
	case "approve":
		cmd, actor = domain.ApproveInvoice{InvoiceID: s.inv}, financeActor
	case "issue":
		cmd, actor = domain.IssueInvoice{InvoiceID: s.inv, InvoiceCode: s.code, InvoiceNumber: invoiceNumber(s.numbers.Add(1)), IssuedOn: benchIssuedOn}, financeActor
	case "ship":
		cmd, actor = domain.ShipInvoice{InvoiceID: s.inv, Courier: "SF Express", TrackingNumber: trackingNumber(s.inv)}, financeActor
	case "apply2":
		cmd = domain.RequestInvoice{Statements: monthLists[s.month+1], AddressID: s.addr, Agree: true}
	case "cancel":
		cmd = domain.CancelInvoice{InvoiceID: s.inv, By: domain.RoleCustomer}
	case "reject":
		cmd, actor = domain.RejectInvoice{InvoiceID: s.inv, Reason: "title mismatch"}, financeActor
	}
	// Every command answers as the API's do (api/invoice_actions.go,
	// api/invoices_post.go, api/statements.go): with a view of what it
	// changed, made under the ledger's lock (ledger.Request.View), not a
	// copy of the account. The views here encode the domain's invoice or
	// statement, the API's its own form of them.
	res, err := s.execView(ctx, actor, cmd, view)
	if err != nil {
		return 0, fmt.Errorf("%s %s (%T): %w", s.acc, cycle[s.step], cmd, err)
	}
	if c := cycle[s.step]; c == "apply" || c == "apply2" {
		s.inv = viewID(res.View)
	}
	s.step++
	if s.step == len(cycle) {
		s.step = 0
		s.month += 2
	}
	return len(res.Records), nil
}

// execView runs cmd with view (if not nil) in place of the copy.
func (s *script) execView(ctx context.Context, actor eventstore.Actor, cmd domain.Command, view func(*domain.Account) any) (ledger.Result, error) {
	s.commands++
	// The key is the client's work, not the ledger's: kept light (one
	// allocation, the string).
	var buf [96]byte
	key := strconv.AppendInt(append(append(buf[:0], s.acc...), '-'), int64(s.commands), 10)
	return s.l.Execute(ctx, ledger.Request{
		AccountID: s.acc, Actor: actor, Command: cmd,
		IdempotencyKey: string(key),
		View:           view,
	})
}

// invoiceNumber is n as an eight-digit invoice number,
// fmt.Sprintf("%08d", n) without fmt.
func invoiceNumber(n int64) string {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], n, 10)
	if len(b) >= 8 {
		return string(b)
	}
	var out [8]byte
	for i := range out {
		out[i] = '0'
	}
	copy(out[8-len(b):], b)
	return string(out[:])
}

// trackingNumber is "SF" and the first ten characters of the invoice ID's
// text, "SF" + id.String()[:10], without the ID's whole text.
func trackingNumber(id uuid.UUID) string {
	const digits = "0123456789abcdef"
	var b [12]byte
	b[0], b[1] = 'S', 'F'
	for i := range 4 {
		b[2+2*i], b[3+2*i] = digits[id[i]>>4], digits[id[i]&15]
	}
	b[10], b[11] = '-', digits[id[4]>>4]
	return string(b[:])
}

// entityView is what the view of a command gives: the ID of what it
// acted on and its JSON. A view is the answer a server writes out and then
// forgets: the script hands it back (release) once it has read the ID, and
// the next command's view reuses it and its buffer. Answers used to be a
// copy of the encoded bytes at their length, boxed in an interface: with
// one client per account, 0.4 KiB of garbage a command (17 % of the
// bench's allocations) that was the bench's, not the ledger's, and made the
// collector run more often.
type entityView struct {
	id   uuid.UUID
	json []byte
}

// views are the entityViews between commands, their buffers kept.
var views = sync.Pool{New: func() any { return &entityView{json: make([]byte, 0, 2048)} }}

// newView returns an empty view for id, from the pool.
func newView(id uuid.UUID) *entityView {
	v := views.Get().(*entityView)
	v.id, v.json = id, v.json[:0]
	return v
}

// release hands v back to the pool, unless its buffer grew large.
func (v *entityView) release() {
	if cap(v.json) <= 64<<10 {
		views.Put(v)
	}
}

// releaseView releases a command's view when it is one of ours.
func releaseView(view any) {
	if v, ok := view.(*entityView); ok {
		v.release()
	}
}

// viewID is the ID a command's view holds.
func viewID(view any) uuid.UUID {
	if v, ok := view.(*entityView); ok {
		return v.id
	}
	return uuid.Nil
}

// lastInvoice views the account's newest invoice (the one an application
// just made, or the one being acted on in this script) as the API's view
// does: it encodes the invoice, so the bench pays for an answer too.
func lastInvoice(acc *domain.Account) any {
	if len(acc.InvoiceOrder) == 0 {
		return newView(uuid.Nil)
	}
	id := acc.InvoiceOrder[len(acc.InvoiceOrder)-1]
	v := newView(id)
	v.json = invoiceJSON(v.json, acc.Invoices[id])
	return v
}

// invoiceView is lastInvoice written into the script's own view.
func (s *script) invoiceView(acc *domain.Account) any {
	v := &s.view
	v.id, v.json = uuid.Nil, v.json[:0]
	if n := len(acc.InvoiceOrder); n > 0 {
		v.id = acc.InvoiceOrder[n-1]
		v.json = invoiceJSON(v.json, acc.Invoices[v.id])
	}
	return v
}

// statementView views the statement of s.viewMonth, as the API answers a
// post, in the script's own view.
func (s *script) statementView(acc *domain.Account) any {
	v := &s.view
	v.id, v.json = uuid.Nil, statementJSON(v.json[:0], acc.Statements[s.viewMonth])
	return v
}

// invoiceJSON appends json.Marshal(inv)'s bytes to dst, written without
// reflection (domain.AppendInvoiceJSON), as an answer's encoder can.
func invoiceJSON(dst []byte, inv *domain.Invoice) []byte {
	if inv == nil {
		return append(dst, "null"...)
	}
	dst, _ = domain.AppendInvoiceJSON(dst, inv)
	return dst
}

// statementJSON appends json.Marshal(st)'s bytes to dst
// (domain.AppendStatementJSON).
func statementJSON(dst []byte, st *domain.Statement) []byte {
	if st == nil {
		return append(dst, "null"...)
	}
	dst, _ = domain.AppendStatementJSON(dst, st)
	return dst
}

// titleView views the account's title, as the API answers title commands.
func titleView(acc *domain.Account) any {
	if acc.Title == nil {
		return newView(uuid.Nil)
	}
	v := newView(acc.Title.ID)
	b, _ := json.Marshal(acc.Title)
	v.json = append(v.json, b...)
	return v
}

// lastAddress views the newest address, as the API answers an added one.
func lastAddress(acc *domain.Account) any {
	if len(acc.Addresses) == 0 {
		return newView(uuid.Nil)
	}
	a := acc.Addresses[len(acc.Addresses)-1]
	v := newView(a.ID)
	b, _ := json.Marshal(a)
	v.json = append(v.json, b...)
	return v
}
