package api

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
)

// panickyWriter writes to the connection as net/http does, then panics.
type panickyWriter struct {
	http.ResponseWriter
	conn net.Conn
}

func (w panickyWriter) Write(p []byte) (int, error) {
	w.conn.Write(p)
	panic("handler broke")
}

// A blob that panics while its writes are held still sends them, and the
// connection stops holding: later writes go straight through.
func TestOneWriteSendsOnPanic(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	oc := &oneWriteConn{Conn: server}
	received := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		received <- b
	}()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(context.WithValue(req.Context(), oneWriteKey{}, oc))
	c := echo.New().NewContext(req, panickyWriter{httptest.NewRecorder(), oc})
	body := bytes.Repeat([]byte("x"), oneWriteMin+1)
	require.Panics(t, func() { _ = blobOneWrite(c, http.StatusOK, echo.MIMEApplicationJSON, body) })
	require.Nil(t, oc.held, "still holding after the panic")
	_, err := oc.Write([]byte("after"))
	require.NoError(t, err)
	server.Close()
	require.Equal(t, append(body, "after"...), <-received)
}
