// Package listen receives the webhooks of the Nimbus connector's triggers: it accepts only
// POSTs to a path holding an unguessable token, checks each body against the contract's
// event shapes (TaskEventData, SchedulerEntryEventData) and its size, and stores it durably
// (Store) before it answers 2xx. What happens to an event next (after-call surveys, the
// screen-pop, a command) is the caller's: OnEvent runs after the event is safe on disk.
package listen

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxBody bounds an event body. Task events of e-mail tasks carry the mail's body,
// so the bound is generous; anything larger is refused with 413.
const DefaultMaxBody = 1 << 20

// MinTokenLen is the shortest path token accepted: 128 bits of base64url.
const MinTokenLen = 22

// NewToken makes a path token: 32 random bytes, base64url (43 characters).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CheckToken refuses a token that could be guessed or that does not fit in a URL path.
func CheckToken(t string) error {
	if len(t) < MinTokenLen {
		return fmt.Errorf("the path token must have at least %d characters (it is what keeps others from posting events), got %d", MinTokenLen, len(t))
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("the path token may hold only letters, digits, - and _")
		}
	}
	return nil
}

// Event is one stored event.
type Event struct {
	Kind Kind
	Body []byte // compact JSON, as stored
}

// Handler is the receiver's HTTP side.
type Handler struct {
	Store   *Store
	Token   string
	MaxBody int64                // default DefaultMaxBody
	OnEvent func(Event)          // after an event is stored (not for repeats); must not block long
	Logf    func(string, ...any) // one line per refused request and per unknown field name

	stats     Stats
	lastAt    atomic.Int64
	warnedMu  sync.Mutex
	warned    map[string]bool
	warnedAll bool // maxWarned reached, and said
}

// Stats counts what the handler did.
type Stats struct {
	Stored     atomic.Int64
	Duplicates atomic.Int64
	Rejected   atomic.Int64
	Failed     atomic.Int64
}

// Counts is a snapshot of Stats.
type Counts struct {
	Stored     int64 `json:"stored"`
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
	Failed     int64 `json:"failed"`
}

// Counts returns what the handler did so far.
func (h *Handler) Counts() Counts {
	return Counts{Stored: h.stats.Stored.Load(), Duplicates: h.stats.Duplicates.Load(), Rejected: h.stats.Rejected.Load(), Failed: h.stats.Failed.Load()}
}

// HealthPath answers GET with the counts; it needs no token and tells nothing secret.
const HealthPath = "/healthz"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath {
		h.health(w, r)
		return
	}
	if !h.tokenPath(r.URL.Path) {
		h.reject(w, http.StatusNotFound, "not found", "")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, http.StatusMethodNotAllowed, "only POST", r.Method+" to the event path")
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", limit), "a body over the size limit")
		return
	case err != nil:
		h.reject(w, http.StatusBadRequest, "the body could not be read", "an unreadable body: "+err.Error())
		return
	}
	kind, line, unknown, err := Check(body)
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		h.reject(w, http.StatusBadRequest, inv.Msg, "an event: "+inv.Msg)
		return
	case err != nil:
		h.fail(w, err)
		return
	}
	h.warnUnknown(kind, unknown)
	dup, err := h.Store.Append(kind, line)
	if err != nil {
		h.fail(w, err)
		return
	}
	h.lastAt.Store(time.Now().Unix())
	status := "stored"
	if dup {
		status = "duplicate"
		h.stats.Duplicates.Add(1)
	} else {
		h.stats.Stored.Add(1)
		if h.OnEvent != nil {
			h.OnEvent(Event{Kind: kind, Body: line})
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
}

// tokenPath accepts /<token>, and <anything>/<token> for a reverse proxy that keeps its
// own prefix; the comparison takes the same time however much of the token matches.
func (h *Handler) tokenPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 || h.Token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(p[i+1:]), []byte(h.Token)) == 1
}

func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "only GET"})
		return
	}
	out := struct {
		Status string `json:"status"`
		Counts
		LastEventAt string `json:"lastEventAt,omitempty"`
	}{Status: "ok", Counts: h.Counts()}
	if at := h.lastAt.Load(); at > 0 {
		out.LastEventAt = time.Unix(at, 0).UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) reject(w http.ResponseWriter, status int, msg, log string) {
	h.stats.Rejected.Add(1)
	if log != "" {
		h.logf("refused %s (%d)", log, status)
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// fail answers 503: the sender keeps the event and tries again later.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.stats.Failed.Add(1)
	h.logf("could not store an event (answered 503, the sender retries): %v", err)
	w.Header().Set("Retry-After", "30")
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the event could not be stored; try again"})
}

// maxWarned bounds the field names warnUnknown remembers and logs: a connector that grows a
// field shows up in the first few; events full of made-up names must not flood the log or
// grow the memory of a listener that runs for months.
const maxWarned = 50

func (h *Handler) warnUnknown(kind Kind, names []string) {
	if len(names) == 0 {
		return
	}
	h.warnedMu.Lock()
	defer h.warnedMu.Unlock()
	if h.warned == nil {
		h.warned = map[string]bool{}
	}
	for _, n := range names {
		k := string(kind) + "." + n
		if h.warned[k] {
			continue
		}
		if len(h.warned) == maxWarned {
			if !h.warnedAll {
				h.warnedAll = true
				h.logf("more fields the contract does not name are not logged")
			}
			return
		}
		h.warned[k] = true
		h.logf("%s events carry %q, which the contract does not name: kept as received", kind, clip(n))
	}
}

func (h *Handler) logf(format string, a ...any) {
	if h.Logf != nil {
		h.Logf(format, a...)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
