package storeurl

import (
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// esdbDefaultPort is the port the EventStoreDB client assumes when none is given.
const esdbDefaultPort = 2113

// splitScheme splits "scheme://rest". ok is false when raw has no scheme at all.
func splitScheme(raw string) (scheme, rest string, ok bool) {
	i := strings.Index(raw, ":")
	if i <= 0 || !validScheme(raw[:i]) {
		return "", "", false
	}
	scheme = strings.ToLower(raw[:i])
	rest, ok = strings.CutPrefix(raw[i+1:], "//")
	if !ok {
		// "bolt:data.db" is almost certainly a relative path meant as bolt://./data.db.
		return scheme, "", false
	}
	return scheme, rest, true
}

// validScheme follows RFC 3986: a letter, then letters, digits, "+", "-", ".".
func validScheme(s string) bool {
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// badChar reports the first space or control character, which a store
// address never needs unescaped and which usually means a pasting accident.
func badChar(raw string) (rune, bool) {
	for _, c := range raw {
		if c <= ' ' || c == 0x7f {
			return c, true
		}
	}
	return 0, false
}

// splitAuthority splits the part after "//" into authority and the rest,
// where the authority ends at the first "/", "?" or "#" (RFC 3986).
func splitAuthority(rest string) (authority, tail string) {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

func parseBolt(raw, rest string) (URL, error) { return parseLocal(raw, rest, Bolt) }

// parseLocal parses the address of an embedded store: a bolt file or a log
// directory. The two take the same forms (scheme:///abs or scheme://./rel).
func parseLocal(raw, rest string, backend Backend) (URL, error) {
	scheme, what, example := string(backend), "file", "fapiao.db"
	if backend == Log {
		what, example = "directory", "log"
	}
	fail := func(format string, args ...any) (URL, error) {
		return URL{}, &Error{URL: mask(raw), Reason: fmt.Sprintf(format, args...)}
	}
	if c, bad := badChar(raw); bad {
		return fail("contains the character %q: percent-encode it", c)
	}
	if strings.ContainsAny(rest, "?#") {
		return fail("a %s store takes no query or fragment (percent-encode ? and # in file names)", scheme)
	}
	authority, escaped := splitAuthority(rest)
	relative := false
	switch authority {
	case "":
	case ".", "..":
		relative = true
		escaped = authority + escaped
	default:
		if strings.Contains(authority, "@") {
			return fail("a %s store is a local %s and takes no user or password", scheme, what)
		}
		return fail("a %s store is a local %s, but the address names host %q: write %s:///%s%s for an absolute path or %s://./%s%s for a relative one",
			scheme, what, authority, scheme, authority, escaped, scheme, authority, escaped)
	}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return fail("bad percent-encoding in the path: %v", err)
	}
	if strings.ContainsRune(p, 0) {
		return fail("the path contains a NUL byte")
	}
	if p == "" || p == "/" || p == "." || p == "./" || p == ".." || p == "../" {
		return fail("empty path: write %s:///abs/path/%s or %s://./data/%s", scheme, example, scheme, example)
	}
	if backend == Bolt && (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")) {
		return fail("the path %q names a directory, not a file", p)
	}
	clean := filepath.Clean(p)
	if relative && filepath.IsAbs(clean) {
		// Unreachable on Unix ("./" prefixed paths stay relative); kept so a
		// relative address can never open an absolute file elsewhere.
		return fail("a relative path became absolute: %q", p)
	}
	u := URL{Backend: backend, Scheme: scheme, Path: clean, Raw: raw}
	u.redacted = localString(scheme, clean)
	return u, nil
}

func localString(scheme, p string) string {
	esc := (&url.URL{Path: p}).EscapedPath()
	if filepath.IsAbs(p) {
		return scheme + "://" + esc
	}
	return scheme + "://./" + strings.TrimPrefix(esc, "./")
}

// esdbSettings are the connection-string settings of EventStore-Client-Go
// v4.2.0 (lower-cased, as the client compares them) and a check of each
// value. The client only warns about unknown settings; we refuse them, so
// that "tsl=false" is not silently a TLS connection.
var esdbSettings = map[string]func(string) error{
	"tls":                 checkBool,
	"tlsverifycert":       checkBool,
	"tlscafile":           checkNonEmpty,
	"usercertfile":        checkNonEmpty,
	"userkeyfile":         checkNonEmpty,
	"discoveryinterval":   checkInt(0),
	"gossiptimeout":       checkInt(0),
	"maxdiscoverattempts": checkInt(1),
	"keepaliveinterval":   checkInt(-1),
	"keepalivetimeout":    checkInt(-1),
	"defaultdeadline":     checkInt(1),
	"nodepreference":      checkOneOf("leader", "follower", "random", "readonlyreplica"),
}

func checkBool(v string) error {
	if _, err := strconv.ParseBool(strings.ToLower(v)); err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	return nil
}

func checkNonEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("want a file name")
	}
	return nil
}

func checkInt(min int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("want an integer >= %d, got %q", min, v)
		}
		return nil
	}
}

func checkOneOf(values ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(values, strings.ToLower(v)) {
			return fmt.Errorf("want one of %s, got %q", strings.Join(values, ", "), v)
		}
		return nil
	}
}

func parseESDB(raw, scheme, rest string) (URL, error) {
	fail := func(format string, args ...any) (URL, error) {
		return URL{}, &Error{URL: mask(raw), Reason: fmt.Sprintf(format, args...)}
	}
	if c, bad := badChar(raw); bad {
		return fail("contains the character %q: percent-encode it", c)
	}
	if strings.Contains(rest, "#") {
		return fail("an esdb address takes no fragment")
	}
	hostPart, query, _ := strings.Cut(rest, "?")
	if at := strings.LastIndex(hostPart, "@"); at >= 0 {
		user, pass, _ := strings.Cut(hostPart[:at], ":")
		if user == "" {
			return fail("credentials with an empty user name")
		}
		if _, err := url.PathUnescape(user); err != nil {
			return fail("bad percent-encoding in the user name")
		}
		if _, err := url.PathUnescape(pass); err != nil {
			return fail("bad percent-encoding in the password")
		}
		hostPart = hostPart[at+1:]
	}
	hostPart = strings.TrimSuffix(hostPart, "/")
	if strings.Contains(hostPart, "/") {
		return fail("an esdb address takes no path")
	}
	if hostPart == "" {
		return fail("no host: write %s://host:2113", scheme)
	}
	var hosts []string
	for h := range strings.SplitSeq(hostPart, ",") {
		ep, err := esdbEndpoint(h)
		if err != nil {
			return fail("%v", err)
		}
		hosts = append(hosts, ep)
	}
	if err := checkESDBQuery(query); err != nil {
		return fail("%v", err)
	}
	return URL{Backend: ESDB, Scheme: scheme, Hosts: hosts, Raw: raw, redacted: mask(raw)}, nil
}

// esdbEndpoint checks one host[:port] the way the client reads it (no IPv6
// literals: the client splits on ":") and returns host:port.
func esdbEndpoint(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("empty host in the host list")
	}
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" {
		return "", fmt.Errorf("empty host name in %q", h)
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("host %q: the character %q is not allowed in a host name", name, c)
		}
	}
	p := esdbDefaultPort
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
			return "", fmt.Errorf("host %q: port %q is not a number from 1 to 65535", h, port)
		}
		p = n
	}
	return name + ":" + strconv.Itoa(p), nil
}

func checkESDBQuery(query string) error {
	if query == "" {
		return nil
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return fmt.Errorf("bad query: %v", err)
	}
	seen := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		lk := strings.ToLower(k)
		check, ok := esdbSettings[lk]
		if !ok {
			return fmt.Errorf("unknown setting %q (known: %s)", k, strings.Join(slices.Sorted(maps.Keys(esdbSettings)), ", "))
		}
		if seen[lk] || len(values[k]) > 1 {
			return fmt.Errorf("setting %q given twice", k)
		}
		seen[lk] = true
		if err := check(values[k][0]); err != nil {
			return fmt.Errorf("setting %q: %v", k, err)
		}
	}
	return nil
}

// mask hides the password of an address's user information.
func mask(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	head, rest := raw[:i+3], raw[i+3:]
	authority, tail := splitAuthority(rest)
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(authority[:at], ":")
	if !hasPass {
		return raw
	}
	return head + user + ":xxxxx" + authority[at:] + tail
}
