package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/dirigo/dirigo/runtime/client"
)

// A fetch-like request: no session, redirects followed, the body read
// with the cap applied.
func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		io.WriteString(w, "hello from "+r.URL.Path)
	}))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	c := client.New(client.Config{DataDir: dir, UserAgent: "dirigo/1.0"})
	defer c.Shutdown(context.Background())

	resp, err := c.Do(context.Background(), &client.Request{URL: srv.URL + "/old"})
	if err != nil {
		fmt.Println(client.AsError(err).Kind, client.CodeOf(err))
		return
	}
	body, _ := resp.ReadAll()
	fmt.Println(resp.StatusCode, resp.Redirected, string(body))
	// Output: 200 true hello from /new
}

// A Titanium-style download in a background session: the task runs on the
// worker pool, its events arrive in order, and its result stays readable
// by identifier.
func ExampleSession_NewTask() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "file content")
	}))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	c := client.New(client.Config{DataDir: dir})
	defer c.Shutdown(context.Background())
	ctx := context.Background()

	s, err := c.NewSession(ctx, client.SessionConfig{Identifier: "downloads", Kind: client.Background})
	if err != nil {
		fmt.Println(err)
		return
	}
	task, err := s.NewTask(context.Background(), client.DownloadTask, &client.Request{URL: srv.URL}, func(ev client.Event) {
		switch ev.Type {
		case client.EventDownloadFinished:
			fmt.Println("downloadcompleted", ev.TotalBytesWritten)
		case client.EventCompleted:
			fmt.Println("sessioncompleted", ev.Result.Success, ev.Result.StatusCode)
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	<-task.Done()

	// A later request, maybe on another process sharing the store.
	snap, _ := c.TaskSnapshot(ctx, "downloads", task.ID())
	data, _ := os.ReadFile(snap.File)
	fmt.Println(snap.ID, snap.State, string(data))
	// Output:
	// downloadcompleted 12
	// sessioncompleted true 200
	// 1 completed file content
}
