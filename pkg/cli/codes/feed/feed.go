// Package feed holds what the reporting commands (codes, sessions) share: the time-window
// flags, --service resolution against the feed's Services set, member labels, and progress
// on stderr for long pulls.
package feed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Window is the --since / --until / --tz flags.
type Window struct {
	Since, Until, TZ string
	defSince         string
}

// AddFlags registers the flags; since is the default of --since (e.g. "30d").
func (w *Window) AddFlags(cmd *cobra.Command, since string) {
	w.defSince = since
	cmd.Flags().StringVar(&w.Since, "since", since, "start of the window: an age (30d, 12h, 2w), a date (2026-01-31) or a time (2026-01-31T08:00:00Z)")
	cmd.Flags().StringVar(&w.Until, "until", "", "end of the window, exclusive (same forms; default: now)")
	cmd.Flags().StringVar(&w.TZ, "tz", "UTC", "time zone of dates and of day/week groups: an IANA name (Europe/Zurich), UTC or local")
}

// Resolve turns the flags into [from, to) and the zone, or a usage error.
func (w *Window) Resolve(now time.Time) (from, to time.Time, loc *time.Location, err error) {
	loc, err = ParseTZ(w.TZ)
	if err != nil {
		return
	}
	to = now
	if w.Until != "" {
		if to, err = ParseTime("until", w.Until, now, loc); err != nil {
			return
		}
	}
	since := w.Since
	if since == "" {
		since = w.defSince
	}
	if from, err = ParseTime("since", since, now, loc); err != nil {
		return
	}
	if !from.Before(to) {
		err = cmdutil.FlagErrorf("--since (%s) must be before --until (%s)", from.In(loc).Format(time.RFC3339), to.In(loc).Format(time.RFC3339))
	}
	return
}

// ParseTZ reads --tz.
func ParseTZ(s string) (*time.Location, error) {
	switch strings.ToLower(s) {
	case "", "utc", "z":
		return time.UTC, nil
	case "local":
		return time.Local, nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--tz: unknown time zone %q (use an IANA name such as Europe/Zurich, UTC or local)", s)
	}
	return loc, nil
}

// ParseTime reads an age before now (30d, 12h, 2w; no months: they vary), a date (midnight in loc) or an
// RFC 3339 time.
func ParseTime(flag, s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if n := len(s); n >= 2 {
		if v, err := strconv.Atoi(s[:n-1]); err == nil && v >= 0 {
			switch s[n-1] {
			case 'd':
				return now.AddDate(0, 0, -v), nil
			case 'w':
				return now.AddDate(0, 0, -7*v), nil
			case 'h':
				return now.Add(-time.Duration(v) * time.Hour), nil
			}
		}
	}
	return time.Time{}, cmdutil.FlagErrorf("--%s: %q is not an age (30d, 12h, 2w), a date (2026-01-31) or a time (2026-01-31T08:00:00Z)", flag, s)
}

// FormatWindow describes [from, to) for humans.
func FormatWindow(from, to time.Time, loc *time.Location) string {
	const layout = "2006-01-02 15:04"
	return fmt.Sprintf("%s → %s %s", from.In(loc).Format(layout), to.In(loc).Format(layout), zoneName(loc))
}

func zoneName(loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

// Query turns the window flags and --service into a session query, with the feed's client.
// fields nil reads every field the feed has.
func Query(ctx context.Context, f *cmdutil.Factory, w *Window, service string, fields []odata.Field) (*odata.Client, odata.SessionQuery, *time.Location, error) {
	from, to, loc, err := w.Resolve(f.Now())
	if err != nil {
		return nil, odata.SessionQuery{}, nil, err
	}
	c, err := f.OData()
	if err != nil {
		return nil, odata.SessionQuery{}, nil, err
	}
	q := odata.SessionQuery{From: from, To: to, Fields: fields}
	if service != "" {
		m, err := ResolveService(ctx, c, service)
		if err != nil {
			return nil, odata.SessionQuery{}, nil, err
		}
		q.ServiceIDs = []string{m.ID}
	}
	return c, q, loc, nil
}

// ResolveService finds the service a --service value names: its UPN, its name (both
// case-insensitive) or its id, in the feed's Services set. A feed without that set takes an
// id only.
func ResolveService(ctx context.Context, c *odata.Client, value string) (odata.Member, error) {
	members, err := c.Services(ctx)
	var none odata.ErrNoDimension
	if errors.As(err, &none) {
		return odata.Member{ID: value}, nil
	}
	if err != nil {
		return odata.Member{}, err
	}
	var byName []odata.Member
	var labels []string
	for _, m := range members {
		if strings.EqualFold(m.ID, value) || m.UPN != "" && strings.EqualFold(m.UPN, value) {
			return m, nil
		}
		if strings.EqualFold(m.Name, value) {
			byName = append(byName, m)
		}
		labels = append(labels, m.Label())
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return odata.Member{}, cmdutil.FlagErrorf("--service %q matches no service of the reporting feed (known: %s)", value, strings.Join(labels, ", "))
	}
	var ids []string
	for _, m := range byName {
		ids = append(ids, m.ID)
	}
	return odata.Member{}, cmdutil.FlagErrorf("--service %q names %d services (%s): give the UPN or the id", value, len(byName), strings.Join(ids, ", "))
}

// Labels reads a dimension (services or users) for display. A feed without it, or one the
// user may not read (403), leaves ids as they are; anything else is an error.
func Labels(ctx context.Context, f *cmdutil.Factory, c *odata.Client, users bool) ([]odata.Member, error) {
	if _, err := c.Schema(ctx); err != nil {
		return nil, err // the feed itself failed: no use going on
	}
	read, what := c.Services, "services"
	if users {
		read, what = c.Users, "users"
	}
	members, err := read(ctx)
	var none odata.ErrNoDimension
	switch {
	case errors.As(err, &none):
		return nil, nil
	case httpx.StatusOf(err) == http.StatusForbidden || httpx.StatusOf(err) == http.StatusNotFound:
		f.IO.Warnf("cannot read the feed's %s (%v): showing ids", what, err)
		return nil, nil
	}
	return members, err
}

// Label maps an id to a member's label (the id itself when unknown).
func Label(members []odata.Member) func(id string) string {
	m := make(map[string]string, len(members))
	for _, x := range members {
		m[strings.ToLower(x.ID)] = x.Label()
	}
	return func(id string) string {
		if l, ok := m[strings.ToLower(id)]; ok {
			return l
		}
		return id
	}
}

// Progress counts sessions on stderr while a pull runs: a redrawn line on a terminal (after
// half a second, so short pulls stay quiet), a plain line every 5 seconds otherwise.
type Progress struct {
	n    atomic.Int64
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Spinner frames start every progress frame on a terminal (tests strip them).
const Spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// StartProgress begins reporting "reading <what>".
func StartProgress(ios *output.IOStreams, what string) *Progress {
	p := &Progress{stop: make(chan struct{})}
	tty := ios.IsStderrTTY()
	delay, every := 5*time.Second, 5*time.Second
	if tty {
		delay, every = 500*time.Millisecond, 120*time.Millisecond
	}
	start := time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		timer := time.NewTimer(delay)
		defer timer.Stop()
		frames := []rune(Spinner)
		drawn := false
		for frame := 0; ; frame++ {
			select {
			case <-p.stop:
				if drawn {
					fmt.Fprint(ios.ErrOut, "\r\x1b[K")
				}
				return
			case <-timer.C:
			}
			n := p.n.Load()
			rate := float64(n) / time.Since(start).Seconds()
			if tty {
				fmt.Fprintf(ios.ErrOut, "\r\x1b[K%c reading %s: %d (%.0f/s)", frames[frame%len(frames)], what, n, rate)
				drawn = true
			} else {
				fmt.Fprintf(ios.ErrOut, "reading %s: %d so far (%.0f/s)\n", what, n, rate)
			}
			timer.Reset(every)
		}
	}()
	return p
}

// Add counts n more.
func (p *Progress) Add(n int) { p.n.Add(int64(n)) }

// Done stops the reporting and clears the line.
func (p *Progress) Done() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
	})
}
