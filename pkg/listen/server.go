package listen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// CheckAddr refuses plain HTTP anywhere but on loopback: events carry customers' phone
// numbers, and the path token would travel in clear. Behind a reverse proxy that ends TLS,
// listen on 127.0.0.1.
func CheckAddr(addr string, withTLS bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%q is not HOST:PORT (e.g. 127.0.0.1:8787)", addr)
	}
	if !withTLS && !httpx.IsLoopback(host) {
		return fmt.Errorf("plain HTTP is served on loopback only, not on %q: give --cert and --key, or listen on 127.0.0.1 behind a reverse proxy that ends TLS", addr)
	}
	return nil
}

// Server serves a handler over HTTPS (with a certificate) or plain HTTP on loopback.
type Server struct {
	srv *http.Server
	ln  net.Listener
	tls bool
}

// Listen binds addr. With certFile and keyFile it serves TLS 1.2+; without, addr must be
// loopback. logf receives the server's own errors (failed TLS handshakes); nil drops them.
func Listen(addr string, h http.Handler, certFile, keyFile string, logf func(string, ...any)) (*Server, error) {
	withTLS := certFile != "" || keyFile != ""
	if err := CheckAddr(addr, withTLS); err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if logf != nil {
		srv.ErrorLog = log.New(logWriter(logf), "", 0)
	}
	if withTLS {
		if certFile == "" || keyFile == "" {
			return nil, errors.New("--cert and --key go together")
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if withTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	return &Server{srv: srv, ln: ln, tls: withTLS}, nil
}

// URL is where the server listens: scheme://host:port.
func (s *Server) URL() string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + s.ln.Addr().String()
}

// Serve serves until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting and waits for the requests in flight (their events are stored
// and answered) until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// logWriter turns log.Logger lines into logf calls.
type logWriter func(string, ...any)

func (w logWriter) Write(p []byte) (int, error) {
	w("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
