package console

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHandlerServesFilesWithTypesAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := Handler()
	tests := []struct {
		path, wantType string
		wantStatus     int
		wantBody       string
	}{
		{"/console/", "text/html; charset=utf-8", 200, "<title"},
		{"/console/index.html", "text/html; charset=utf-8", 200, "发票列表"},
		{"/console/app.css", "text/css; charset=utf-8", 200, "--accent"},
		{"/console/js/main.js", "text/javascript; charset=utf-8", 200, "import"},
		{"/console/favicon.svg", "image/svg+xml", 200, "<svg"},
		{"/console/config.json", "application/json", 200, "100089"},
		{"/console/js/facts.js", "text/javascript; charset=utf-8", 200, `"red_flushed"]`},
		{"/", "text/html; charset=utf-8", 200, "<title"}, // mounted behind StripPrefix
		{"/js/api.js", "text/javascript; charset=utf-8", 200, "Fapiao-Min-Position"},
		{"/console/nope.js", "", 404, ""},
		{"/console/../console.go", "", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			hdr := rec.Header()
			for k, v := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
				t.Errorf("CSP = %q", csp)
			}
			if tc.wantStatus != 200 {
				return
			}
			if got := hdr.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if body := rec.Body.String(); !strings.Contains(body, tc.wantBody) {
				t.Errorf("body lacks %q", tc.wantBody)
			}
		})
	}
}

func TestHandlerRedirectsBareConsoleAndRefusesWrites(t *testing.T) {
	t.Parallel()
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/console/" {
		t.Errorf("GET /console: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/console/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestConfigCarriesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want Options
	}{
		{"defaults from the seed", nil, DefaultOptions()},
		{"own return address", []Option{WithReturnAddress(ReturnAddress{Address: "上海市", PostalCode: "200000", Recipient: "王", Phone: "13800000000"})},
			Options{ReturnAddress: ReturnAddress{Address: "上海市", PostalCode: "200000", Recipient: "王", Phone: "13800000000"}, SupportPhone: "400-107-0808", Issuer: "北京金山云网络技术有限公司"}},
		{"phone and issuer", []Option{WithSupportPhone("400-000-0000"), WithIssuer("X")},
			Options{ReturnAddress: DefaultOptions().ReturnAddress, SupportPhone: "400-000-0000", Issuer: "X"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(Handler(tc.opts...))
			defer srv.Close()
			res, err := http.Get(srv.URL + "/console/config.json")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var got Options
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The console must work under CSP default-src 'self': no inline script or
// style, no event-handler attributes, nothing loaded from another origin.
func TestNoInlineScriptStyleOrRemoteURL(t *testing.T) {
	t.Parallel()
	scriptTag := regexp.MustCompile(`<script[^>]*>([^<]*)`)
	everywhere := []*regexp.Regexp{
		regexp.MustCompile(`(?i)(?:src|href)=["']?(?:https?:)?//`), // another origin
		regexp.MustCompile(`(?i)@import|url\(\s*["']?(?:https?:)?//`),
		regexp.MustCompile(`\beval\(|new Function\(|innerHTML|document\.write`),
	}
	htmlOnly := []*regexp.Regexp{
		regexp.MustCompile(`<style`),      // inline stylesheet
		regexp.MustCompile(`\sstyle=`),    // style attribute
		regexp.MustCompile(`\son[a-z]+=`), // handler attribute
	}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		check := everywhere
		if strings.HasSuffix(p, ".html") {
			check = append(append([]*regexp.Regexp{}, everywhere...), htmlOnly...)
			for _, m := range scriptTag.FindAllSubmatch(b, -1) {
				if !strings.Contains(string(m[0]), "src=") || strings.TrimSpace(string(m[1])) != "" {
					t.Errorf("%s: inline script %q", p, m[0])
				}
			}
		}
		for _, re := range check {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: %q matches %s", p, b[loc[0]:min(loc[1]+20, len(b))], re)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIndexBlocks: the page is served rendered, each invoice table with
// the columns of its role and each account look-up with its own IDs.
func TestIndexBlocks(t *testing.T) {
	t.Parallel()
	page := string(indexHTML)
	if strings.Contains(page, "{{") {
		t.Fatal("the served page holds template actions")
	}
	head := regexp.MustCompile(`(?s)<table id="([a-z-]+)-table"( hidden)?>\s*<thead><tr>(.*?)</tr></thead>`)
	cols := regexp.MustCompile(`data-i18n="col\.([a-z]+)"`)
	got := map[string]string{}
	for _, m := range head.FindAllStringSubmatch(page, -1) {
		var names []string
		for _, c := range cols.FindAllStringSubmatch(m[3], -1) {
			names = append(names, c[1])
		}
		got[m[1]+m[2]] = strings.Join(names, " ")
	}
	const shared = "requested statements amount title status delivery"
	for table, want := range map[string]string{
		"customer":       shared + " actions",
		"finance":        "account " + shared + " actions",
		"support hidden": shared,
		"auditor":        shared,
	} {
		if got[table] != want {
			t.Errorf("table %s: columns %q, want %q", table, got[table], want)
		}
	}
	for _, p := range []string{"fin-title", "sup", "aud"} {
		if !strings.Contains(page, `<form id="`+p+`-form" class="filters">`) || !strings.Contains(page, `<input id="`+p+`-account" name="account"`) {
			t.Errorf("no account look-up %s-form with its field %s-account", p, p)
		}
	}
}

// TestConfigSaysTheServersTime: config.json gives the clock's time as
// "now" (the console's business date follows the server's, which a
// server started with --clock does not share with the browser), fresh on
// every request and never answered from a cache.
func TestConfigSaysTheServersTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	clock := &stepClock{}
	srv := httptest.NewServer(Handler(WithClock(clock)))
	defer srv.Close()
	for _, want := range []time.Time{at, at.Add(36 * time.Hour)} {
		clock.set(want)
		res, err := http.Get(srv.URL + "/console/config.json")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Now    time.Time `json:"now"`
			Issuer string    `json:"issuer"`
		}
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !got.Now.Equal(want) || got.Issuer != DefaultOptions().Issuer {
			t.Errorf("config says now %v (issuer %q), want %v", got.Now, got.Issuer, want)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" || res.Header.Get("Last-Modified") != "" {
			t.Errorf("config.json cacheable: Cache-Control %q, Last-Modified %q", cc, res.Header.Get("Last-Modified"))
		}
	}
}

// stepClock is set by the test and read by the handler's goroutine.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
