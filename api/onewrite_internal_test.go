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

// On a TCP connection a body's tail is sent from the handler's slice
// (writev) and not copied; the bytes and their order are the writes'.
func TestOneWriteVectoredTail(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	wrapped, err := OneWriteListener(fakeListener{<-accepted}).Accept()
	require.NoError(t, err)
	oc := wrapped.(*oneWriteConn)
	require.True(t, oc.vectored)
	defer oc.Close()

	body := bytes.Repeat([]byte("0123456789"), 2000)
	head := bytes.Repeat([]byte("h"), 4096)
	for _, tc := range []struct {
		name   string
		writes [][]byte
		tailed bool // the last write before send is kept as a slice
	}{
		{"header then tail", [][]byte{head, body[3000:]}, true},
		{"whole body", [][]byte{body}, true},
		{"not the end", [][]byte{head, body[3000:19000]}, false},
		{"after the tail", [][]byte{head, body[3000:], []byte("after")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			oc.hold(body)
			for _, w := range tc.writes {
				n, err := oc.Write(w)
				require.NoError(t, err)
				require.Equal(t, len(w), n)
				want = append(want, w...)
			}
			require.Equal(t, tc.tailed, oc.tail != nil)
			require.NoError(t, oc.send())
			got := make([]byte, len(want))
			_, err := io.ReadFull(client, got)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.Nil(t, oc.held)
			require.Nil(t, oc.tail)
		})
	}
}

// fakeListener hands out one connection.
type fakeListener struct{ c net.Conn }

func (l fakeListener) Accept() (net.Conn, error) { return l.c, nil }
func (l fakeListener) Close() error              { return nil }
func (l fakeListener) Addr() net.Addr            { return l.c.LocalAddr() }
