package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/listen"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

// The context parameters the screen-pop writes into a task. Names are fixed, so that a
// Nimbus workflow or the agent's view can rely on them.
const (
	ParamSummary     = "NPS.Summary"     // "3 responses; last 9 on 2026-02-11: “Quick and friendly…”"
	ParamResponses   = "NPS.Responses"   // the count
	ParamLastScore   = "NPS.LastScore"   // 0-10
	ParamLastDate    = "NPS.LastDate"    // YYYY-MM-DD (UTC)
	ParamLastComment = "NPS.LastComment" // its first commentLen characters
)

const commentLen = 80

// enricher is the screen-pop: the caller's earlier nps.today responses, summed up in the
// task's context parameters while the call is still ringing.
type enricher struct {
	nc      *nimbus.Client
	np      *npstoday.Client
	country string
	seen    map[string]time.Time // tasks already looked at (only the first event counts)
}

func newEnricher(f *cmdutil.Factory) (*enricher, error) {
	nc, err := f.Nimbus()
	if err != nil {
		return nil, err
	}
	np, err := f.NPS()
	if err != nil {
		return nil, err
	}
	cc, err := nps.DefaultCountry(f)
	if err != nil {
		return nil, err
	}
	return &enricher{nc: nc, np: np, country: cc, seen: map[string]time.Time{}}, nil
}

// first reports whether this is the first event of the task seen here; it forgets tasks
// after a day, so the set stays small.
func (e *enricher) first(id string, now time.Time) bool {
	if _, ok := e.seen[id]; ok {
		return false
	}
	if len(e.seen) >= 10000 {
		for k, at := range e.seen {
			if now.Sub(at) > 24*time.Hour {
				delete(e.seen, k)
			}
		}
	}
	e.seen[id] = now
	return true
}

// enrich runs on each stored event. A lookup that fails is logged and the task is left
// alone: the event itself is already safe in the file.
func (w *workers) enrich(ctx context.Context, ev listen.Event) {
	e := w.enricher
	if ev.Kind != listen.KindTasks {
		return
	}
	var te nimbus.TaskEventData
	if json.Unmarshal(ev.Body, &te) != nil || te.TaskID == "" {
		return
	}
	if !strings.EqualFold(te.Direction, "Inbound") || !strings.EqualFold(te.Modality, "Audio") || !e.first(te.TaskID, w.f.Now()) {
		return
	}
	if te.Terminated != "" {
		return // the call is over: nobody would see it
	}
	tel := strings.TrimSpace(te.CallerTelNumber)
	if te.IsAnonymous || tel == "" {
		w.logf("screen-pop %s: anonymous caller, nothing to look up", te.TaskID)
		return
	}
	n, err := phone.Normalize(tel, e.country)
	if svc, _ := phone.Normalize(strings.TrimSpace(te.ServiceTelNumber), e.country); err != nil || n == svc {
		w.logf("screen-pop %s: the caller number %q is not a customer's, nothing to look up", te.TaskID, tel)
		return
	}
	list, err := e.np.ResponsesByPhone(ctx, n)
	if err != nil {
		atomic.AddInt64(&w.sum.EnrichFailed, 1)
		w.logf("screen-pop %s: looking up %s's responses failed: %v", te.TaskID, n, err)
		return
	}
	params := Summarize(list)
	if err := e.nc.UpdateTask(ctx, te.TaskID, nimbus.TaskInformation{CustomContextParameters: params}); err != nil {
		atomic.AddInt64(&w.sum.EnrichFailed, 1)
		w.logf("screen-pop %s: writing the summary into the task failed: %v", te.TaskID, err)
		return
	}
	atomic.AddInt64(&w.sum.Enriched, 1)
	w.logf("screen-pop %s: %s", te.TaskID, params[0].Value)
}

// Summarize turns a caller's responses into the screen-pop's context parameters: the
// summary first, then the count, and the latest response's score, date and comment.
func Summarize(list []npstoday.Response) []nimbus.ContextParameter {
	count := strconv.Itoa(len(list))
	if len(list) == 0 {
		return []nimbus.ContextParameter{{Name: ParamSummary, Value: "no earlier responses"}, {Name: ParamResponses, Value: "0"}}
	}
	last, lastAt := list[0], time.Time{}
	for _, r := range list {
		if at, err := parseTime(r.RatingTime); err == nil && at.After(lastAt) {
			last, lastAt = r, at
		}
	}
	score, date := "", ""
	if last.Rating != nil {
		score = strconv.Itoa(*last.Rating)
	}
	if !lastAt.IsZero() {
		date = lastAt.UTC().Format("2006-01-02")
	}
	comment := strings.Join(strings.Fields(last.UserComment), " ")
	if utf8.RuneCountInString(comment) > commentLen {
		comment = string([]rune(comment)[:commentLen-1]) + "…"
	}
	summary := count + " responses"
	if len(list) == 1 {
		summary = "1 response"
	}
	if score != "" {
		summary += "; last " + score
		if date != "" {
			summary += " on " + date
		}
	}
	if comment != "" {
		summary += fmt.Sprintf(": “%s”", comment)
	}
	return []nimbus.ContextParameter{
		{Name: ParamSummary, Value: summary},
		{Name: ParamResponses, Value: count},
		{Name: ParamLastScore, Value: score},
		{Name: ParamLastDate, Value: date},
		{Name: ParamLastComment, Value: comment},
	}
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.9999999", s)
}
