package transparency

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// maxKeyFile bounds what a key file may hold: a key line is ~100 bytes.
const maxKeyFile = 4 << 10

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, maxKeyFile+1)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		return nil, err
	}
	if n > maxKeyFile {
		return nil, fmt.Errorf("%s: larger than a key file", path)
	}
	return buf[:n], nil
}

// GenerateKey writes a new Ed25519 signing key named name to path (mode
// 0600; an existing file is never overwritten) and returns the public
// verifier key line.
func GenerateKey(path, name string) (vkey string, err error) {
	// note's own rule for names; note.GenerateKey does not check it.
	if name == "" || !utf8.ValidString(name) || strings.ContainsRune(name, '+') || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("transparency: key name %q: want a non-empty name without spaces or '+', e.g. fapiao.example.com/log", name)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", fmt.Errorf("transparency: key name %q: %w", name, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("transparency: %s exists: a signing key is never overwritten", path)
	}
	if err != nil {
		return "", fmt.Errorf("transparency: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("transparency: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("transparency: fsync %s: %w", path, err)
	}
	return vkey, f.Close()
}

// LoadSigner reads a private key file written by GenerateKey.
func LoadSigner(path string) (note.Signer, error) {
	raw, err := readKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("transparency: signing key: %w", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("transparency: signing key %s: not a note signing key (PRIVATE+KEY+…): %w", path, err)
	}
	return s, nil
}
