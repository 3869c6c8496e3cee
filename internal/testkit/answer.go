package testkit

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Answer is an HTTP answer as a test looks at it: the status, the headers
// and the whole body, already read and closed.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// ReadAnswer reads resp's body whole and closes it.
func ReadAnswer(resp *http.Response) (Answer, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// JSON decodes the body as a JSON object, failing t if it is not one.
func (a Answer) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		t.Fatalf("the answer is not a JSON object: %v\n%s", err, a.Body)
	}
	return m
}
