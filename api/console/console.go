// Package console is the web console (费用中心 > 发票管理 > 发票列表): static
// pages, styles and ES modules embedded in the binary and served under
// /console/. The pages talk to the /v1 API of the same origin; nothing is
// fetched from elsewhere at run time.
package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var embedded embed.FS

// static is the embedded tree rooted at the console's own directory.
var static = mustSub(embedded, "static")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time; absence is a build defect
	}
	return sub
}

// ReturnAddress is where customers mail a paper invoice back before asking
// for a return (退换票流程 step 1 of the seed).
type ReturnAddress struct {
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone"`
}

// Options configure what the console tells customers; the zero value of a
// field keeps the seed's default.
type Options struct {
	ReturnAddress ReturnAddress `json:"return_address"`
	// SupportPhone is the customer-service line (offline invoices, title changes).
	SupportPhone string `json:"support_phone"`
	// Issuer is the provider's legal entity (开票单位) named in the return notes.
	Issuer string `json:"issuer"`
}

// DefaultOptions are the values of the provider's documentation (the seed).
func DefaultOptions() Options {
	return Options{
		ReturnAddress: ReturnAddress{
			Address:    "北京市海淀区西二旗中路33号小米科技园E栋（放在一层前台）",
			PostalCode: "100089",
			Recipient:  "李桥英",
			Phone:      "18500820101",
		},
		SupportPhone: "400-107-0808",
		Issuer:       "北京金山云网络技术有限公司",
	}
}

// Option changes one of the Options.
type Option func(*Options)

// WithReturnAddress sets the mail-back address shown in the return dialog.
func WithReturnAddress(a ReturnAddress) Option {
	return func(o *Options) { o.ReturnAddress = a }
}

// WithSupportPhone sets the customer-service phone number.
func WithSupportPhone(phone string) Option {
	return func(o *Options) { o.SupportPhone = phone }
}

// WithIssuer sets the provider's legal entity name.
func WithIssuer(name string) Option {
	return func(o *Options) { o.Issuer = name }
}

// contentTypes is fixed here rather than taken from the host's mime.types so
// that a module script is never refused for a wrong type (nosniff is on).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// CSP is the Content-Security-Policy of every console response: only the
// console's own origin, no inline script or style, no framing.
const CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// Handler serves the console. It accepts paths with or without the /console
// prefix, so it may be mounted with or without http.StripPrefix.
func Handler(opts ...Option) http.Handler {
	o := DefaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	def := DefaultOptions()
	if o.ReturnAddress == (ReturnAddress{}) {
		o.ReturnAddress = def.ReturnAddress
	}
	if o.SupportPhone == "" {
		o.SupportPhone = def.SupportPhone
	}
	if o.Issuer == "" {
		o.Issuer = def.Issuer
	}
	config, err := json.Marshal(o)
	if err != nil {
		panic(err) // plain strings always marshal
	}
	return &handler{config: config, started: time.Now()}
}

type handler struct {
	config  []byte
	started time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/console" {
		// Relative links in the page only resolve under the directory form.
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
		return
	}
	if strings.HasPrefix(p, "/console/") {
		p = strings.TrimPrefix(p, "/console")
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		name = "index.html"
	}
	body := h.config
	if name != "config.json" {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		body = b
	}
	h.serve(w, r, name, body)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	// The files change with the binary; revalidate so an upgrade is seen at once.
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, h.started, bytes.NewReader(body))
}
