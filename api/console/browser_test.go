package console_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false,
	"write the console's screenshots to docs/screenshots (or to $FAPIAO_SCREENSHOTS)")

// chromium finds Debian's chromium. Absent, the browser test fails in CI
// (CI=true) and is skipped elsewhere, so that a laptop without it can still
// run `make test`.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("FAPIAO_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	const msg = "headless Chromium not found at /usr/bin/chromium (install it: apt-get install -y chromium, or set FAPIAO_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped outside CI (with CI=true this fails)")
	return ""
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FAPIAO_SCREENSHOTS")
	if dir == "" && *updateScreenshots {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if dir == "" {
		return t.ArtifactDir() // kept with `go test -artifacts`
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pageErrors are the page's script exceptions, console.error calls and
// browser log errors (a CSP violation is one). Failed HTTP responses are
// expected (a 404 title, a 400 field error) and not collected.
type pageErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (p *pageErrors) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = fmt.Sprintf("exception: %s at %s:%d:%d", d.Text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			msg = "console.error: " + strings.Join(parts, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
			msg = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if msg != "" {
		p.mu.Lock()
		p.msgs = append(p.msgs, msg)
		p.mu.Unlock()
	}
}

func (p *pageErrors) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.msgs
	p.msgs = nil
	return m
}

// browser drives one headless Chromium tab.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	errs  *pageErrors
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium leaves its singleton socket's directory in TMPDIR when
		// it is killed, as each test's end does: keep it in the test's own.
		chromedp.Env("TMPDIR="+t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, shots: screenshotDir(t), errs: &pageErrors{}}
	if err := chromedp.Listen(ctx, b.errs.listen); err != nil {
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	return b
}

// do runs actions and fails the test at the first error, naming the step.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v%s", step, err, b.dump())
	}
	if msgs := b.errs.take(); len(msgs) > 0 {
		b.t.Fatalf("%s: the page reported errors:\n%s", step, strings.Join(msgs, "\n"))
	}
}

// dump is the visible text of the page, to explain a failed step.
func (b *browser) dump() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return ""
	}
	return "\n--- page text ---\n" + text
}

// until waits for a JavaScript condition to hold.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))
}

func js(expr string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](expr) }

// setSelect picks an option the way a user does, so change listeners run.
func setSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return js(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// setValue sets a field's value from script (for inputs such as a date
// that have no typing form) and fires the events a user's edit fires.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	return js(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// fill replaces an input's value by typing.
func fill(sel, text string) chromedp.Action[chromedp.Void] {
	return retryStale(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		err := chromedp.Do(ctx, setValue(sel, ""), chromedp.SendKeys(chromedp.CSS(sel), text))
		return chromedp.Void{}, err
	})
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return retryStale(chromedp.Click(chromedp.CSS(sel)))
}

// retryStale runs a again when the node it found was replaced before it
// acted on it: the console re-renders a table when its data arrives, and
// a user's click lands on the new row. Any other error ends the step.
func retryStale(a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			v, err := a(ctx, t)
			if err == nil || !strings.Contains(err.Error(), "Could not find node with given id") || ctx.Err() != nil {
				return v, err
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func key(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }

// textIs waits until the element's text is exactly want.
func textIs(sel, want string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.querySelector(%q)?.textContent.trim() === %q`, sel, want))
}

// textHas waits until the element's text contains want.
func textHas(sel, want string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`(document.querySelector(%q)?.textContent || '').includes(%q)`, sel, want))
}

func focused(id string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, id))
}

var (
	dialogOpen   = until(`document.getElementById('dlg').open`)
	dialogClosed = until(`!document.getElementById('dlg').open`)
)

func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) signIn(token, role, account string) {
	b.t.Helper()
	b.do("sign in as "+role,
		until(`!document.getElementById('signin').hidden`),
		fill("#signin-token", token),
		setSelect("#signin-role", role),
		until(fmt.Sprintf(`document.getElementById('signin-account-field').hidden === (%q !== 'customer')`, role)),
		setValue("#signin-account", account),
		click("#signin-form button[type=submit]"),
		until(fmt.Sprintf(`document.body.dataset.view === %q`, role)),
	)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do("sign out", click("#sign-out"), until(`!document.getElementById('signin').hidden && !document.body.dataset.view`))
}

// row is the selector of a table row of an invoice in a status.
func row(table, status string) string {
	return fmt.Sprintf(`#%s-table tr[data-status=%q]`, table, status)
}
