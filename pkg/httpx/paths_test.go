package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestExpandAndMatchPath(t *testing.T) {
	if got, err := ExpandPath("/v2/AddressBooks/{AddressBook}/contacts", "a/b c"); err != nil || got != "/v2/AddressBooks/a%2Fb%20c/contacts" {
		t.Errorf("expand = %s, %v", got, err)
	}
	for path, want := range map[string]bool{
		"/v1/tasks/T1": true, "/V1/Tasks/T1/": true, "/v1/tasks/": false, "/v1/tasks/T1/x": false, "/v1/task/T1": false,
	} {
		if MatchPath("/v1/tasks/{taskId}", path) != want {
			t.Errorf("MatchPath(%q) != %v", path, want)
		}
	}
}

// An id that is empty or only dots would send the call to another resource once URL
// resolution removes the dot segment: it is refused before anything is built.
func TestExpandPathRefusesIDsThatAreEmptyOrOnlyDots(t *testing.T) {
	for _, tc := range []struct {
		params []string
		want   string // path, or the error
	}{
		{[]string{"T1"}, "/v1/tasks/T1"},
		{[]string{"..."}, `invalid taskId "...": an id cannot be empty or only dots`},
		{[]string{".."}, `invalid taskId "..": an id cannot be empty or only dots`},
		{[]string{"."}, `invalid taskId ".": an id cannot be empty or only dots`},
		{[]string{""}, `invalid taskId "": an id cannot be empty or only dots`},
		{nil, `invalid taskId "": an id cannot be empty or only dots`},
		{[]string{"..a"}, "/v1/tasks/..a"},
		{[]string{"%2e%2e"}, "/v1/tasks/%252e%252e"},
		{[]string{"a/b"}, "/v1/tasks/a%2Fb"},
		{[]string{"a.b\\c..d"}, "/v1/tasks/a.b%5Cc..d"},
		// A server that takes \ for / (IIS) or decodes %2F would resolve these: refused too.
		{[]string{"a/.."}, `invalid taskId "a/..": an id cannot have a part of only dots between slashes or backslashes`},
		{[]string{"..\\"}, `invalid taskId "..\\": an id cannot have a part of only dots between slashes or backslashes`},
		{[]string{"x\\..\\..\\v2"}, `invalid taskId "x\\..\\..\\v2": an id cannot have a part of only dots between slashes or backslashes`},
		{[]string{"./x"}, `invalid taskId "./x": an id cannot have a part of only dots between slashes or backslashes`},
	} {
		got, err := ExpandPath("/v1/tasks/{taskId}", tc.params...)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Errorf("%q: error %T, want *PathError", tc.params, err)
			}
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.params, got, tc.want)
		}
	}
}

// Every path the pipeline builds stays below the base path; a path that would climb out is
// refused with nothing sent, and a dot segment inside the base is resolved as URLs are.
func TestRelativePathsStayBelowTheBasePath(t *testing.T) {
	var got string
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		got = r.URL.EscapedPath()
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL+"/v1/odata", nil)
	for _, tc := range []struct{ path, want string }{
		{"/Sessions", "/v1/odata/Sessions"},
		{"$metadata", "/v1/odata/$metadata"},
		{"/", "/v1/odata/"},
		{"/campaigns/", "/v1/odata/campaigns/"},
		{"/a/./b", "/v1/odata/a/b"},
		{"/a/../b", "/v1/odata/b"},
		{"/a/..", "/v1/odata/"},
		{"/a%2Fb/c", "/v1/odata/a%2Fb/c"},
		{"/..", `X: the path "/.." climbs above the service's base path /v1/odata`},
		{"/../v2/AddressBooks", `X: the path "/../v2/AddressBooks" climbs above the service's base path /v1/odata`},
		{"/../../x", `X: the path "/../../x" climbs above the service's base path /v1/odata`},
		{"/a/../../x", `X: the path "/a/../../x" climbs above the service's base path /v1/odata`},
		{"/%2e%2E/x", `X: the path "/%2e%2E/x" climbs above the service's base path /v1/odata`},
		{"/../x?y=1", `X: the path "/../x" climbs above the service's base path /v1/odata`},
		// A server that takes \ for / (IIS) or decodes %2F would climb out: refused too.
		{"/..%5C..%5Cv2/AddressBooks", `X: the path "/..%5C..%5Cv2/AddressBooks" has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path /v1/odata: write it with plain slashes`},
		{"/..\\..\\v2", `X: the path "/..\\..\\v2" has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path /v1/odata: write it with plain slashes`},
		{"/a/..%2F..%2Fx", `X: the path "/a/..%2F..%2Fx" has a part of only dots between backslashes or encoded slashes, which a server may resolve out of the base path /v1/odata: write it with plain slashes`},
		{"/a%5Cb/c", "/v1/odata/a%5Cb/c"},
		// A # would end the path where the URL is parsed: "/..#x" is a GET of /v1/odata/.. .
		{"/..#/v2/AddressBooks", `X: the path "/..#/v2/AddressBooks" has a # (a fragment, never sent): write it as %23`},
		{"/a#b", `X: the path "/a#b" has a # (a fragment, never sent): write it as %23`},
		{"/a%23b", "/v1/odata/a%23b"},
	} {
		got, calls = "", atomic.Int32{}
		_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: tc.path}, nil)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Errorf("%s: error %T %v, want *PathError", tc.path, err, err)
			}
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.path, got, tc.want)
		}
		if err != nil && calls.Load() != 0 {
			t.Errorf("%s: refused, yet %d requests were sent", tc.path, calls.Load())
		}
	}
}

// An absolute URL (an OData nextLink) and a redirect get the credential only below the base.
func TestCredentialGoesOnlyToItsBase(t *testing.T) {
	var calls atomic.Int32
	var auths []string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auths = append(auths, r.URL.Path+" "+r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/v1/odata/out":
			http.Redirect(w, r, "/v2/AddressBooks", http.StatusFound)
		case "/v1/odata/in":
			http.Redirect(w, r, "/v1/odata/Sessions", http.StatusFound)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL+"/v1/odata", func(c *Config) {
		c.Auth = func(context.Context) (string, error) { return "Bearer odata-token", nil }
	})
	do := func(path string) error {
		_, err := c.Do(context.Background(), &Request{Op: "X", Method: "GET", Path: path}, nil)
		return err
	}
	if err := do(srv.URL + "/v1/odata/Sessions?$skiptoken=2"); err != nil {
		t.Errorf("nextLink below the base: %v", err)
	}
	for _, link := range []string{srv.URL + "/v2/AddressBooks", srv.URL + "/v1/odataX", srv.URL + "/v1/odata/../../v2", srv.URL + "/v1/odata/..%5C..%5Cv2", srv.URL + "/v1/odata/..%2F..%2Fv2", "https://elsewhere.example/v1/odata/x"} {
		err := do(link)
		var perm *PermanentError
		if !errors.As(err, &perm) {
			t.Errorf("%s: err %v, want a PermanentError", link, err)
		}
	}
	if err := do("/in"); err != nil {
		t.Errorf("redirect within the base: %v", err)
	}
	err := do("/out")
	var perm *PermanentError
	if !errors.As(err, &perm) || perm.Reason != "refused a redirect from "+srv.URL+"/v1/odata/out to "+srv.URL+"/v2/AddressBooks: it leaves the service's base URL "+srv.URL+"/v1/odata, and the credential is only sent there" {
		t.Fatalf("redirect out of the base: %#v", err)
	}
	want := []string{"/v1/odata/Sessions Bearer odata-token", "/v1/odata/in Bearer odata-token", "/v1/odata/Sessions Bearer odata-token", "/v1/odata/out Bearer odata-token"}
	if len(auths) != len(want) {
		t.Fatalf("requests %q, want %q", auths, want)
	}
	for i := range want {
		if auths[i] != want[i] {
			t.Errorf("request %d: %q, want %q", i, auths[i], want[i])
		}
	}
}
