package odata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// tableFeed serves a $metadata document and each set's rows (all of them, whatever the
// query says: the reader must cope), and records the requests.
func tableFeed(t *testing.T, meta string, rows map[string][]map[string]any) (*Client, func() []string) {
	var mu sync.Mutex
	var log []string
	c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/v1/odata/")
		q, _ := url.QueryUnescape(r.URL.RawQuery)
		mu.Lock()
		log = append(log, strings.TrimSuffix(name+"?"+q, "?"))
		mu.Unlock()
		if name == "$metadata" {
			w.Write([]byte(meta))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"value": rows[name]})
	})
	return c, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string{}, log...) }
}

func TestSessionsJoinUsersAndSplitOnTheFeedsDelimiter(t *testing.T) {
	t.Parallel()
	meta := metadataOf(
		set{"Sessions", "Session", []string{"Id Edm.Guid", "StartedAt Edm.DateTimeOffset", "ServiceId Edm.Guid", "PrimaryCodes Edm.String", "SecondaryCodes Edm.String"}},
		set{"UserSessions", "UserSession", []string{"Id Edm.Guid", "ServiceSessionId Edm.Guid", "UserId Edm.Guid", "StartedAt Edm.DateTimeOffset"}},
	)
	at := func(h int) string { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC).Format(time.RFC3339) }
	c, requests := tableFeed(t, meta, map[string][]map[string]any{
		"Sessions": {
			{"Id": "S1", "StartedAt": at(8), "PrimaryCodes": "Sale;Info, Pricing", "SecondaryCodes": ""},
			{"Id": "S2", "StartedAt": at(9), "PrimaryCodes": "Info, Pricing", "SecondaryCodes": "Upsell"},
			{"Id": "S3", "StartedAt": at(10), "PrimaryCodes": "Resolved", "SecondaryCodes": "Sale;Upsell"},
			{"Id": "S4", "StartedAt": at(11), "PrimaryCodes": "Sale", "SecondaryCodes": nil},
		},
		"UserSessions": {
			{"Id": "U1", "ServiceSessionId": "s1", "UserId": "alice", "StartedAt": at(8)},
			{"Id": "U3", "ServiceSessionId": "S2", "UserId": "alice", "StartedAt": at(9)},
			{"Id": "U2", "ServiceSessionId": "S1", "UserId": "bob", "StartedAt": at(9)}, // transferred: bob finished it
			{"Id": "U4", "ServiceSessionId": "S3", "UserId": "bob", "StartedAt": at(10)},
			{"Id": "U0", "ServiceSessionId": "S3", "UserId": "carol", "StartedAt": at(7)}, // earlier, listed later
		},
	})
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	type row struct {
		ID, User           string
		Primary, Secondary []string
	}
	read := func(q SessionQuery) []row {
		t.Helper()
		var got []row
		if err := c.Sessions(context.Background(), q, func(s *Session) error {
			got = append(got, row{s.ID, s.UserKey(), s.PrimaryCodes, s.SecondaryCodes})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := read(SessionQuery{From: from, To: to})
	want := []row{
		{"S1", "bob", []string{"Sale", "Info, Pricing"}, []string{}},
		{"S2", "alice", []string{"Info, Pricing"}, []string{"Upsell"}},
		{"S3", "bob", []string{"Resolved"}, []string{"Sale", "Upsell"}},
		{"S4", "", []string{"Sale"}, []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sessions\n got %+v\nwant %+v", got, want)
	}
	// The delimiter comes from the sessions of the pull itself: no request of its own.
	wantRequests := []string{
		"$metadata",
		"UserSessions?$filter=StartedAt ge 2026-03-02T00:00:00Z and StartedAt lt 2026-03-04T00:00:00Z&$select=ServiceSessionId,UserId,StartedAt",
		"Sessions?$filter=StartedAt ge 2026-03-02T00:00:00Z and StartedAt lt 2026-03-03T00:00:00Z&$select=Id,StartedAt,ServiceId,PrimaryCodes,SecondaryCodes",
	}
	if got := requests(); !reflect.DeepEqual(got, wantRequests) {
		t.Errorf("requests\n got %q\nwant %q", got, wantRequests)
	}
	mp, _ := c.Mapping(context.Background())
	if mp.Delimiter.Value != ";" {
		t.Errorf("delimiter %+v", mp.Delimiter)
	}

	// A user filter through the join is applied here (the feed cannot), and no $top is sent.
	got = read(SessionQuery{From: from, To: to, Users: []string{"ALICE"}, Fields: CodeFields})
	if len(got) != 1 || got[0].ID != "S2" {
		t.Errorf("alice's sessions: %+v", got)
	}
	if last := requests()[len(requests())-1]; strings.Contains(last, "$top") || !strings.Contains(last, "$select=Id,StartedAt,ServiceId,PrimaryCodes,SecondaryCodes") {
		t.Errorf("last request %s", last)
	}
}

// More sessions than the detection holds back: they come out in the feed's order, split by
// the delimiter the first SampleSize found, and a stop among the held ones stops.
func TestSessionsHeldForTheDelimiterKeepTheirOrder(t *testing.T) {
	t.Parallel()
	var rows []map[string]any
	for i := 0; i < SampleSize+5; i++ {
		codes := []string{"Sale", "Info, Pricing", "Sale;Info, Pricing"}[i%3]
		if i == SampleSize+2 {
			codes = "Upsell;Sale" // after the sample: split the same way
		}
		rows = append(rows, map[string]any{"Id": fmt.Sprint(i), "StartedAt": "2026-03-02T08:00:00Z", "PrimaryCodes": codes})
	}
	c, _ := tableFeed(t, metadataOf(set{"ServiceSessions", "ServiceSession", sessionProps}), map[string][]map[string]any{"ServiceSessions": rows})
	n := 0
	err := c.Sessions(context.Background(), SessionQuery{Fields: CodeFields}, func(s *Session) error {
		want := [][]string{{"Sale"}, {"Info, Pricing"}, {"Sale", "Info, Pricing"}}[n%3]
		if n == SampleSize+2 {
			want = []string{"Upsell", "Sale"}
		}
		if s.ID != fmt.Sprint(n) || !reflect.DeepEqual(s.PrimaryCodes, want) || s.SecondaryCodes != nil {
			t.Fatalf("session %d: %+v", n, s)
		}
		n++
		return nil
	})
	if err != nil || n != SampleSize+5 {
		t.Fatalf("%d sessions, %v", n, err)
	}
	c, _ = tableFeed(t, metadataOf(set{"ServiceSessions", "ServiceSession", sessionProps}), map[string][]map[string]any{"ServiceSessions": rows})
	n = 0
	err = c.Sessions(context.Background(), SessionQuery{Fields: CodeFields}, func(s *Session) error {
		if n++; n == 3 { // while the first SampleSize are held
			return ErrStop
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Errorf("stopped after %d, %v", n, err)
	}
}

func TestSessionsReadPropertiesUnderTheFeedsNames(t *testing.T) {
	t.Parallel()
	meta := metadataOf(set{"Calls", "Call", []string{"CallKey Edm.Int64", "StartTime Edm.DateTimeOffset", "AgentUpn Edm.String", "PrimaryCodes Collection(Edm.String)"}})
	c, requests := tableFeed(t, meta, map[string][]map[string]any{"Calls": {
		{"callkey": 7, "StartTime": "2026-03-02T08:00:00Z", "agentUPN": "a@x", "PrimaryCodes": []string{"Sale"}, "StartedAt": "1999-01-01T00:00:00Z"},
	}})
	c.Overrides = Overrides{UserLink: "AgentUpn"}
	var got []*Session
	err := c.Sessions(context.Background(), SessionQuery{Users: []string{"a@x"}}, func(s *Session) error { got = append(got, s); return nil })
	if err != nil || len(got) != 1 || got[0].ID != "7" || got[0].User != "a@x" || got[0].UserID != "" || !got[0].StartedAt.Equal(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %v", got, err)
	}
	// A UPN's case may differ between tables: the reader matches it, not the server's eq.
	if r := requests(); r[1] != "Calls?$select=CallKey,StartTime,AgentUpn,PrimaryCodes" {
		t.Errorf("request %s", r[1])
	}
}

// Ids that compare the same in any case (Guid, numbers) are filtered by the server too;
// text ids only by the reader.
func TestSessionsFilterOnTheServerOnlyWhatCaseCannotChange(t *testing.T) {
	t.Parallel()
	meta := metadataOf(set{"Calls", "Call", []string{"Id Edm.Int64", "StartedAt Edm.DateTimeOffset", "ServiceId Edm.Int32", "UserId Edm.Guid", "PrimaryCodes Collection(Edm.String)"}},
		set{"Queues", "Queue", []string{"Id Edm.String", "StartedAt Edm.DateTimeOffset", "ServiceId Edm.String", "UserId Edm.String", "PrimaryCodes Collection(Edm.String)"}})
	for _, c := range []struct{ set, want string }{
		{"Calls", "Calls?$filter=ServiceId eq 7 and UserId eq 5a0e8b1c-aaaa-4d2e-8f3a-6b7c8d9e0a01&$select=StartedAt,ServiceId,UserId,PrimaryCodes"},
		{"Queues", "Queues?$select=StartedAt,ServiceId,UserId,PrimaryCodes"},
	} {
		cl, requests := tableFeed(t, meta, map[string][]map[string]any{c.set: {}})
		cl.Overrides = Overrides{SessionSet: c.set}
		q := SessionQuery{ServiceIDs: []string{"7"}, Users: []string{"5A0E8B1C-AAAA-4D2E-8F3A-6B7C8D9E0A01"}, Fields: []Field{FieldPrimaryCodes}}
		if err := cl.Sessions(context.Background(), q, func(*Session) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if r := requests(); r[1] != c.want {
			t.Errorf("%s: %s", c.set, r[1])
		}
	}
}

func TestSessionsRefuseAUserFilterWithoutAUserLink(t *testing.T) {
	t.Parallel()
	c, requests := tableFeed(t, metadataOf(set{"ServiceSessions", "ServiceSession", sessionProps}), nil)
	err := c.Sessions(context.Background(), SessionQuery{Users: []string{"a@x"}}, func(*Session) error { return nil })
	var me *MappingError
	if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "the feed has no user link: ServiceSessions has no UserId or UserUpn property") || len(requests()) != 1 {
		t.Errorf("%v after %q", err, requests())
	}
}

func TestAccessErrorHintFollowsTheCause(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, env, challenge string
		status               int
		want                 string
	}{
		{"expired sign-in", "", `Bearer error="invalid_token", error_description="The token has expired"`, 401,
			"The sign-in to the Nimbus reporting feed has expired: sign in again with nimbusctl auth login."},
		{"expired env token", "NIMBUSCTL_ODATA_TOKEN", `Bearer error="invalid_token", error_description="The token expired at 10:00"`, 401,
			"The token in NIMBUSCTL_ODATA_TOKEN has expired: put a fresh one there, or unset it to use the account\nsigned in with nimbusctl auth login."},
		{"env token refused", "NIMBUSCTL_TOKEN", `Bearer error="invalid_token"`, 401,
			"The Nimbus reporting feed did not accept the token in NIMBUSCTL_TOKEN. It must be a token for the\nfeed (898a7352-9216-4ca8-a485-7d8f3903f598/.default); replace it, or unset it to use the account signed in with\nnimbusctl auth login."},
		{"no consent", "", `Bearer error="invalid_token"`, 401, "The Nimbus reporting feed did not accept the token. By default, sign-in"},
		{"no role, env token", "NIMBUSCTL_ODATA_TOKEN", "", 403, "The Nimbus reporting feed refused access. By default, sign-in"},
	} {
		cl, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
			if c.challenge != "" {
				w.Header().Set("WWW-Authenticate", c.challenge)
			}
			w.WriteHeader(c.status)
		})
		cl.TokenEnv = c.env
		_, err := cl.Metadata(context.Background())
		var acc *AccessError
		if !errors.As(err, &acc) || httpx.StatusOf(err) != c.status || !strings.HasPrefix(acc.Hint(), c.want) {
			t.Errorf("%s: %v\n%s", c.name, err, acc.Hint())
		}
	}
}

// Every request is announced before it is sent, $metadata first: progress for slow feeds.
func TestOnRequestAnnouncesEveryRequest(t *testing.T) {
	t.Parallel()
	rows := []map[string]any{{"Id": "a", "StartedAt": "2026-03-02T08:00:00Z", "PrimaryCodes": []string{"Sale"}}}
	var ops []string
	c, _ := fakeFeed(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "$metadata"):
			w.Write([]byte(metadataOf(set{"ServiceSessions", "ServiceSession", with(sessionProps[:5], "PrimaryCodes Collection(Edm.String)")})))
		case r.URL.Query().Get("$skiptoken") == "":
			json.NewEncoder(w).Encode(map[string]any{"value": rows, "@odata.nextLink": "ServiceSessions?$skiptoken=1"})
		default:
			json.NewEncoder(w).Encode(map[string]any{"value": rows})
		}
	})
	c.OnRequest = func(op string) { ops = append(ops, op) }
	if err := c.Sessions(context.Background(), SessionQuery{}, func(*Session) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"OData $metadata", "OData ServiceSessions", "OData ServiceSessions (page 2)"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("announced %q, want %q", ops, want)
	}
}
