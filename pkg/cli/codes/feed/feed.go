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

// Feed is one command's read of the reporting feed: the client and its mapping, the
// session query the flags make, and the progress line that runs from the first request.
type Feed struct {
	f        *cmdutil.Factory
	C        *odata.Client
	Mapping  *odata.Mapping
	Query    odata.SessionQuery
	Loc      *time.Location
	Progress *Progress
	warned   map[string]bool
}

// Filters are the --service and --user flags.
type Filters struct {
	Service, User string
}

// AddFlags registers --service and --user.
func (fl *Filters) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&fl.Service, "service", "", "only sessions of this service: UPN, name or id")
	cmd.Flags().StringVar(&fl.User, "user", "", "only sessions of this user: UPN, name or id")
}

// Open resolves the window (flag errors come before any request), starts the progress
// line, reads the mapping and resolves --service and --user. The caller defers Close.
// fields nil reads every field the feed has.
func Open(ctx context.Context, f *cmdutil.Factory, w *Window, flt Filters, fields []odata.Field) (*Feed, error) {
	from, to, loc, err := w.Resolve(f.Now())
	if err != nil {
		return nil, err
	}
	c, err := f.OData()
	if err != nil {
		return nil, err
	}
	fd := &Feed{f: f, C: c, Loc: loc, Query: odata.SessionQuery{From: from, To: to, Fields: fields}, warned: map[string]bool{}}
	fd.Progress = StartProgress(f.IO, "sessions")
	c.OnRequest = fd.Progress.Request
	if fd.Mapping, err = c.Mapping(ctx); err != nil {
		fd.Close()
		return nil, err
	}
	if flt.Service != "" {
		m, err := fd.resolve(ctx, "--service", flt.Service, &fd.Mapping.Service, c.Services)
		if err != nil {
			fd.Close()
			return nil, err
		}
		fd.Query.ServiceIDs = []string{m}
	}
	if flt.User != "" {
		m, err := fd.resolve(ctx, "--user", flt.User, &fd.Mapping.User, c.Users)
		if err != nil {
			fd.Close()
			return nil, err
		}
		fd.Query.Users = []string{m}
	}
	return fd, nil
}

// Close stops the progress line.
func (fd *Feed) Close() {
	fd.Progress.Done()
	fd.C.OnRequest = nil
}

// Sessions streams the query's sessions, counting them on the progress line. A delimiter
// guessed without evidence is said once on stderr.
func (fd *Feed) Sessions(ctx context.Context, fn func(*odata.Session) error) error {
	err := fd.C.Sessions(ctx, fd.Query, func(s *odata.Session) error {
		fd.Progress.Add(1)
		return fn(s)
	})
	if d := fd.Mapping.Delimiter; err == nil && d != nil && d.Doubt != "" {
		fd.warnOnce("delimiter", "%s", d.Doubt)
	}
	return err
}

// Require refuses (exit 3) a grouping or filter the feed cannot serve: flag names it,
// err says why (a link's Err).
func Require(flag string, err error) error {
	var me *odata.MappingError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me):
		return err
	}
	return cmdutil.InvalidInputf("%s: %v", flag, err)
}

// resolve finds the member a --service or --user value names: its UPN, its name (both
// case-insensitive) or its id, in the link's dimension. A link the feed cannot serve is
// refused (Require). Without a dimension only the value the link holds can be used, and a
// name says why it cannot.
func (fd *Feed) resolve(ctx context.Context, flag, value string, l *odata.Link, read func(context.Context) ([]odata.Member, error)) (string, error) {
	if err := Require(flag, l.Err()); err != nil {
		return "", err
	}
	what := strings.TrimPrefix(flag, "--")
	if l.Dim == nil && l.DimErr() == nil { // the link holds UPNs, and no set names them
		if !strings.Contains(value, "@") {
			return "", cmdutil.FlagErrorf("%s %q: the feed names %ss by UPN only (it has no %ss set to look names up in): give the UPN", flag, value, what, what)
		}
		return value, nil
	}
	members, err := read(ctx)
	var missing *odata.MissingError
	switch {
	case errors.As(err, &missing):
		if _, litErr := odata.Literal(fd.linkType(l), value); litErr != nil {
			return "", cmdutil.FlagErrorf("%s %q: %v, so %s names cannot be looked up: give the %s's id", flag, value, err, what, what)
		}
		return value, nil
	case err != nil:
		return "", err
	}
	var byName []odata.Member
	var labels []string
	key := func(m odata.Member) string { // what the link holds
		if l.HoldsUPNs() {
			return m.UPN
		}
		return m.ID
	}
	for _, m := range members {
		if strings.EqualFold(m.ID, value) || m.UPN != "" && strings.EqualFold(m.UPN, value) {
			return key(m), nil
		}
		if strings.EqualFold(m.Name, value) {
			byName = append(byName, m)
		}
		labels = append(labels, m.Label())
	}
	switch len(byName) {
	case 1:
		return key(byName[0]), nil
	case 0:
		return "", cmdutil.FlagErrorf("%s %q matches no %s of the reporting feed (known: %s)", flag, value, what, strings.Join(labels, ", "))
	}
	var ids []string
	for _, m := range byName {
		ids = append(ids, m.ID)
	}
	return "", cmdutil.FlagErrorf("%s %q names %d %ss (%s): give the UPN or the id", flag, value, len(byName), what, strings.Join(ids, ", "))
}

// linkType is the Edm type of the link's values ("" when unknown).
func (fd *Feed) linkType(l *odata.Link) string {
	if l == &fd.Mapping.Service {
		return fd.Mapping.Property(odata.FieldServiceID).Type
	}
	return fd.Mapping.Property(odata.FieldUser).Type
}

// Labels reads the dimension of a link (services, users, organization units) for
// display. A feed without it, or one the user may not read (403, 404), leaves ids as they
// are and says so once on stderr; an ambiguous choice is an error.
func (fd *Feed) Labels(ctx context.Context, what string) (odata.Labeler, error) {
	read, link := fd.C.Services, &fd.Mapping.Service
	switch what {
	case "users":
		read, link = fd.C.Users, &fd.Mapping.User
	case "organization units":
		read, link = fd.C.OrganizationUnits, &fd.Mapping.OU
	}
	if link.Err() != nil || link.Dim == nil && link.DimErr() == nil {
		return odata.NewLabeler(nil), nil // no link, or it holds labels already
	}
	members, err := read(ctx)
	var missing *odata.MissingError
	switch {
	case errors.As(err, &missing):
		fd.warnOnce(what, "%v: showing %s ids", err, strings.TrimSuffix(what, "s"))
		return odata.NewLabeler(nil), nil
	case httpx.StatusOf(err) == http.StatusForbidden || httpx.StatusOf(err) == http.StatusNotFound:
		fd.warnOnce(what, "cannot read the feed's %s (%v): showing ids", what, err)
		return odata.NewLabeler(nil), nil
	case err != nil:
		return nil, err
	}
	return odata.NewLabeler(members), nil
}

func (fd *Feed) warnOnce(key, format string, a ...any) {
	if fd.warned[key] {
		return
	}
	fd.warned[key] = true
	fd.Progress.Clear()
	fd.f.IO.Warnf(format, a...)
}

// Progress shows on stderr what a pull is doing, from its first request on: which request
// it waits for ($metadata can take long), then how many sessions it has read. On a terminal
// a redrawn line (after half a second, so short pulls stay quiet), otherwise a plain line
// every 5 seconds.
type Progress struct {
	ios   *output.IOStreams
	what  string
	tty   bool
	clock func() time.Time
	start time.Time
	n     atomic.Int64

	mu      sync.Mutex
	op      string
	opStart time.Time
	drawn   bool

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Spinner frames start every progress frame on a terminal (tests strip them).
const Spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// StartProgress begins reporting; what names the things counted ("sessions").
func StartProgress(ios *output.IOStreams, what string) *Progress {
	p := newProgress(ios, what, time.Now)
	delay, every := 5*time.Second, 5*time.Second
	if p.tty {
		delay, every = 500*time.Millisecond, 120*time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		timer := time.NewTimer(delay)
		defer timer.Stop()
		for frame := 0; ; frame++ {
			select {
			case <-p.stop:
				p.Clear()
				return
			case <-timer.C:
			}
			p.draw(frame)
			timer.Reset(every)
		}
	}()
	return p
}

func newProgress(ios *output.IOStreams, what string, clock func() time.Time) *Progress {
	return &Progress{ios: ios, what: what, tty: ios.IsStderrTTY(), clock: clock, start: clock(), stop: make(chan struct{})}
}

// Request notes the request being sent (odata.Client.OnRequest).
func (p *Progress) Request(op string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.op, p.opStart = op, p.clock()
}

// Add counts n more.
func (p *Progress) Add(n int) { p.n.Add(int64(n)) }

// line is the progress text: the request waited for until the first thing is counted.
func (p *Progress) line() string {
	p.mu.Lock()
	op, opStart := p.op, p.opStart
	p.mu.Unlock()
	now := p.clock()
	n := p.n.Load()
	if n == 0 && op != "" {
		return fmt.Sprintf("waiting for %s (%s)", op, now.Sub(opStart).Truncate(time.Second))
	}
	rate := float64(n) / max(now.Sub(p.start).Seconds(), 1e-3)
	if p.tty {
		return fmt.Sprintf("reading %s: %d (%.0f/s)", p.what, n, rate)
	}
	return fmt.Sprintf("reading %s: %d so far (%.0f/s)", p.what, n, rate)
}

func (p *Progress) draw(frame int) {
	text := p.line()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		frames := []rune(Spinner)
		fmt.Fprintf(p.ios.ErrOut, "\r\x1b[K%c %s", frames[frame%len(frames)], text)
		p.drawn = true
	} else {
		fmt.Fprintln(p.ios.ErrOut, text)
	}
}

// Clear erases the line on a terminal, before something else is written to stderr.
func (p *Progress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.ios.ErrOut, "\r\x1b[K")
		p.drawn = false
	}
}

// Done stops the reporting and clears the line.
func (p *Progress) Done() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
	})
}
