package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkDataTask measures one data task of a default session against a
// local server: creation, the worker pool, the request, the body into
// memory, the events and the completion.
func BenchmarkDataTask(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello, world")
	}))
	defer srv.Close()
	c := newClient(b, Config{})
	s, err := c.NewSession(context.Background(), SessionConfig{Kind: Default})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	req := &Request{URL: srv.URL}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tk, err := s.NewTask(ctx, DataTask, req, nil)
		if err != nil {
			b.Fatal(err)
		}
		<-tk.Done()
		if tk.Body() == nil {
			b.Fatal(tk.Snapshot().Message)
		}
		tk.Body().Release()
		if i%1024 == 1023 {
			b.StopTimer()
			s.Reset(ctx) // drop the retained tasks, as the retention sweep would
			b.StartTimer()
		}
	}
}

// BenchmarkDo is the same request without a session or a task (fetch).
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello, world")
	}))
	defer srv.Close()
	c := newClient(b, Config{})
	ctx := context.Background()
	req := &Request{URL: srv.URL}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := c.Do(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := resp.ReadAll(); err != nil {
			b.Fatal(err)
		}
	}
}
