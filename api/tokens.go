package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"unicode/utf8"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Principal is who a bearer token stands for.
type Principal struct {
	Role domain.Role
	// AccountID is the one account a customer may act on; empty for staff.
	AccountID string
	// Name identifies a staff member in event metadata; empty for customers.
	Name string
	// digest is the token's SHA-256, the rate limiter's key: it is never
	// logged and never leaves the process.
	digest [sha256.Size]byte
}

// Actor is the principal as recorded in event metadata.
func (p Principal) Actor() eventstore.Actor {
	if p.Role == domain.RoleCustomer {
		return eventstore.Actor{Role: string(p.Role), ID: p.AccountID}
	}
	return eventstore.Actor{Role: string(p.Role), ID: p.Name}
}

// Tokens is the set of bearer tokens the server accepts. Only SHA-256
// digests are kept in memory, so a heap dump does not leak plain tokens.
type Tokens struct {
	entries []Principal
	index   map[[sha256.Size]byte]int // digest → entries' index
}

// tokenEntry is one element of the tokens file (API.md).
type tokenEntry struct {
	Token       string `json:"token"`
	TokenSHA256 string `json:"token_sha256"`
	Role        string `json:"role"`
	AccountID   string `json:"account_id"`
	Name        string `json:"name"`
}

// MinTokenLength is the shortest plain token a tokens file may hold, in
// characters: a short token can be guessed (token_sha256 entries are
// digests, whatever the token's length).
const MinTokenLength = 16

// TokensFileOptions relax LoadTokensFile's checks.
type TokensFileOptions struct {
	// AllowReadable loads a file that group or others may read or write
	// (say, a secret mounted 0644 by an orchestrator). Without it such a
	// file is refused: anyone on the machine could copy or add a token.
	AllowReadable bool
}

// LoadTokens reads a tokens file with every check on (see LoadTokensFile).
func LoadTokens(path string) (*Tokens, error) { return LoadTokensFile(path, TokensFileOptions{}) }

// LoadTokensFile reads a tokens file (see ParseTokens). It refuses a file
// that group or others may read or write (mode & 0o077), unless
// opt.AllowReadable; errors name the file.
func LoadTokensFile(path string, opt TokensFileOptions) (*Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api: tokens: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("api: tokens: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && !opt.AllowReadable && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("%w: tokens file %s has mode %04o: group or others may read or change it; "+
			"run chmod 600 %s (or start with --allow-readable-tokens)", ErrTokensFileOpen, path, perm, path)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("api: tokens file %s: %w", path, err)
	}
	return parseTokens(raw, "api: tokens file "+path)
}

// ErrTokensFileOpen: the tokens file may be read or changed by group or others.
var ErrTokensFileOpen = errors.New("api: tokens file not private")

// ParseTokens reads the JSON tokens list of API.md: each entry has either a
// plain "token" or its "token_sha256" (hex), a "role", an "account_id" for
// customers and a "name" for staff (the role's name when absent).
func ParseTokens(raw []byte) (*Tokens, error) { return parseTokens(raw, "api: tokens") }

// parseTokens is ParseTokens with errors prefixed by where.
func parseTokens(raw []byte, where string) (*Tokens, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var list []tokenEntry
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	t := &Tokens{index: make(map[[sha256.Size]byte]int, len(list))}
	for i, e := range list {
		p, err := e.principal()
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", where, i, err)
		}
		if _, dup := t.index[p.digest]; dup {
			return nil, fmt.Errorf("%s: entry %d: duplicate token", where, i)
		}
		t.index[p.digest] = len(t.entries)
		t.entries = append(t.entries, p)
	}
	return t, nil
}

func (e tokenEntry) principal() (Principal, error) {
	var p Principal
	switch {
	case e.Token != "" && e.TokenSHA256 != "":
		return p, fmt.Errorf("give either token or token_sha256, not both")
	case e.Token != "":
		if n := utf8.RuneCountInString(e.Token); n < MinTokenLength {
			return p, fmt.Errorf("token is %d characters; a plain token needs at least %d (a random one, as `openssl rand -hex 16` makes)", n, MinTokenLength)
		}
		p.digest = sha256.Sum256([]byte(e.Token))
	case e.TokenSHA256 != "":
		b, err := hex.DecodeString(e.TokenSHA256)
		if err != nil || len(b) != sha256.Size {
			return p, fmt.Errorf("token_sha256 must be 64 hex digits")
		}
		copy(p.digest[:], b)
	default:
		return p, fmt.Errorf("token or token_sha256 is required")
	}
	p.Role = domain.Role(e.Role)
	switch p.Role {
	case domain.RoleCustomer:
		if !domain.ValidAccountID(e.AccountID) {
			return p, fmt.Errorf("a customer token needs an account_id of 1-64 letters, digits, - or _")
		}
		p.AccountID = e.AccountID
	case domain.RoleFinance, domain.RoleSupport, domain.RoleBilling, domain.RoleAuditor:
		if e.AccountID != "" {
			return p, fmt.Errorf("only customer tokens name an account")
		}
		p.Name = e.Name
		if p.Name == "" {
			p.Name = e.Role
		}
	default:
		return p, fmt.Errorf("unknown role %q", e.Role)
	}
	return p, nil
}

// Lookup returns the principal of a presented token. It looks the token's
// SHA-256 up among the digests, which is as safe against timing as
// comparing with each in constant time (what it did before, 2 % of the
// server's CPU under load with 64 tokens, and growing with their number):
// the time of a lookup can depend only on the digest of what was
// presented, which the caller knows anyway, and a token one character off
// has an unrelated digest, so timing tells nothing of how much of a token
// was right.
func (t *Tokens) Lookup(token string) (Principal, bool) {
	if t == nil || token == "" {
		return Principal{}, false
	}
	// A buffer on the stack for the usual token: []byte(token) of more
	// than 32 bytes would be a heap allocation on every request.
	var buf [128]byte
	i, ok := t.index[sha256.Sum256(append(buf[:0], token...))]
	if !ok {
		return Principal{}, false
	}
	return t.entries[i], true
}

// Len reports how many tokens are known.
func (t *Tokens) Len() int { return len(t.entries) }
