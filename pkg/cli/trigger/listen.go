package trigger

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/nps"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/listen"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// DefaultListenAddr is where `trigger listen` serves unless told otherwise: loopback, so
// that plain HTTP is allowed (behind a reverse proxy that ends TLS).
const DefaultListenAddr = "127.0.0.1:8787"

// stopGrace bounds each step of a clean stop: requests in flight, the queued work,
// deleting the registered triggers.
const stopGrace = 30 * time.Second

type listenOptions struct {
	addr, certFile, keyFile string
	publicURL               string
	tokenFile               string
	dir                     string
	readyFile               string
	maxBody                 int64
	showURL                 bool

	register                            []string
	services, taskEvents, entryEvents   []string
	modalities, directions              []string
	afterCall, enrich                   bool
	exec                                string
	afterCallFlags                      *nps.AfterCallFlags
	afterCallOnly, registerOnly         []string // flags that need --after-call, --register
	taskRegisterOnly, entryRegisterOnly []string
}

func newCmdListen(f *cmdutil.Factory) *cobra.Command {
	o := &listenOptions{}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive the triggers' events: durably, with after-call surveys and the screen-pop",
		Long: `Serves the webhook the connector's triggers POST their events to, and writes each event
to a JSON-lines file (one per kind and UTC day: tasks-2026-03-23.jsonl,
scheduler-entries-2026-03-23.jsonl in --dir) before it answers 2xx: the line is synced to
disk first, so a crash loses no event that was acknowledged. An exact repeat of an event
stored today or yesterday (a redelivery) is answered 200 and not written again.

Only POSTs to a path ending in an unguessable token are accepted, so nobody else can inject
events: the token is made on first use and kept (0600) in the state folder, or read from
--path-token FILE. 'trigger listen --show-url' prints the full URL to give a trigger;
--register does that for you. Each body must be a TaskEventData or a
SchedulerEntryEventData (the contract's field names and types) of at most --max-body
bytes. GET /healthz answers with the counts, without the token.

HTTPS with --cert and --key, or plain HTTP on loopback only (behind a reverse proxy that
ends TLS; --public-url is then the proxy's URL). See docs/listen.md for systemd and
containers.

--register KIND (tasks, scheduler-entries) creates the triggers at start, pointing at the
public URL, with the filters of 'trigger create' (--service, --task-event, --modality,
--direction, --entry-event), and deletes them on a clean stop (Ctrl-C, SIGTERM). They are
recorded ('trigger list'); after a crash, the next start replaces them.

What happens to each new event, after it is stored:
  --after-call   task events that end a call are surveyed with the rules, campaign
                 mapping and ledger of 'nps survey after-call' (same flags), so a batch
                 run over the same files afterwards surveys nobody twice. Held (p-gap)
                 surveys are logged with the command that sends them; nobody is asked.
  --enrich       the screen-pop: on the first event of an inbound Audio task, the caller's
                 earlier nps.today responses (looked up by phone) are summed up in the
                 task's context parameters (NPS.Summary, NPS.Responses, NPS.LastScore,
                 NPS.LastDate, NPS.LastComment), so the agent sees them in Nimbus.
  --exec CMD     CMD runs (sh -c) with the event's JSON on stdin, one event at a time,
                 and the kind in NIMBUSCTL_EVENT_KIND. It gets nimbusctl's environment
                 without the credentials (see 'nimbusctl help environment').
These run in the background: a slow or failing one never delays an answer, and an event
they miss is still in the file (a batch 'nps survey after-call' catches up).

SIGTERM (or Ctrl-C) stops cleanly: the registered triggers are deleted, the requests in
flight are answered, the queued work is finished (up to 30s), and a summary is printed.`,
		Example: `  # behind a reverse proxy that ends TLS at https://hooks.example.com/nimbus
  $ nimbusctl trigger listen --public-url https://hooks.example.com/nimbus \
      --register tasks --service support@contoso.com --task-event Created,Terminated \
      --after-call --enrich

  # HTTPS itself, on all interfaces
  $ nimbusctl trigger listen --listen :8443 --cert /etc/nimbusctl/tls.crt --key /etc/nimbusctl/tls.key \
      --public-url https://hooks.example.com:8443 --exec 'jq -c . >> /var/log/nimbus-events.log'

  $ nimbusctl trigger listen --public-url https://hooks.example.com/nimbus --show-url`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runListen(cmd, f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.addr, "listen", DefaultListenAddr, "`HOST:PORT` to serve on (plain HTTP only on loopback)")
	fl.StringVar(&o.certFile, "cert", "", "TLS certificate `FILE` (PEM, with its chain): serve HTTPS")
	fl.StringVar(&o.keyFile, "key", "", "TLS private key `FILE` (PEM)")
	fl.StringVar(&o.publicURL, "public-url", "", "the `URL` Nimbus reaches this listener at (a reverse proxy's); the path token is appended (default: the listen address, which only the sandbox reaches)")
	fl.StringVar(&o.tokenFile, "path-token", "", "read the path token from `FILE` (never from the command line; default: made once, kept in the state folder)")
	fl.StringVar(&o.dir, "dir", "", "`folder` of the event files (default: <state>/listen/<profile>/events)")
	fl.Int64Var(&o.maxBody, "max-body", listen.DefaultMaxBody, "largest event body accepted, in `bytes` (larger: 413)")
	fl.BoolVar(&o.showURL, "show-url", false, "print the event URL (with the path token) and exit")
	fl.StringVar(&o.readyFile, "ready-file", "", "write the listening URL (without the token) to this file once serving (removed on exit)")

	fl.StringSliceVar(&o.register, "register", nil, "create triggers of this `kind` (tasks, scheduler-entries) at start; delete them on a clean stop")
	fl.StringSliceVar(&o.services, "service", nil, "with --register: `UPN` of a service whose events to receive (repeatable)")
	fl.StringSliceVar(&o.taskEvents, "task-event", nil, "with --register tasks: task `event` to receive, by name or value (repeatable)")
	fl.StringSliceVar(&o.modalities, "modality", nil, "with --register tasks: only tasks of this initial `modality` (repeatable)")
	fl.StringSliceVar(&o.directions, "direction", nil, "with --register tasks: only tasks of this `direction` (repeatable)")
	fl.StringSliceVar(&o.entryEvents, "entry-event", nil, "with --register scheduler-entries: scheduler-entry `event` to receive (repeatable)")
	o.registerOnly = []string{"service"}
	o.taskRegisterOnly = []string{"task-event", "modality", "direction"}
	o.entryRegisterOnly = []string{"entry-event"}

	fl.BoolVar(&o.afterCall, "after-call", false, "survey each call that ends, as 'nps survey after-call' does (its flags apply)")
	fl.BoolVar(&o.enrich, "enrich", false, "screen-pop: write an inbound caller's nps.today history into the task's context parameters")
	fl.StringVar(&o.exec, "exec", "", "run `CMD` (sh -c) for each new event, with its JSON on stdin")
	before := map[string]bool{}
	fl.VisitAll(func(fl *pflag.Flag) { before[fl.Name] = true })
	o.afterCallFlags = nps.AddAfterCallFlags(cmd)
	fl.VisitAll(func(fl *pflag.Flag) {
		if !before[fl.Name] {
			o.afterCallOnly = append(o.afterCallOnly, fl.Name)
		}
	})
	shared.CompleteFlag(cmd, "service", shared.CompleteStrings(f, (*nimbus.Client).GetServices))
	shared.CompleteFlag(cmd, "task-event", shared.CompleteNameValues(f, (*nimbus.Client).GetTaskEvents))
	shared.CompleteFlag(cmd, "entry-event", shared.CompleteNameValues(f, (*nimbus.Client).GetSchedulerEntriesEvents))
	shared.CompleteFlag(cmd, "modality", shared.CompleteNameValues(f, (*nimbus.Client).GetTaskModalities))
	shared.CompleteFlag(cmd, "direction", shared.CompleteNameValues(f, (*nimbus.Client).GetTaskDirections))
	shared.CompleteFlag(cmd, "register", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return kinds, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// check validates the flags before anything is bound, created or read.
func (o *listenOptions) check(cmd *cobra.Command) (kinds []string, err error) {
	changed := cmd.Flags().Changed
	withTLS := o.certFile != "" || o.keyFile != ""
	if withTLS && (o.certFile == "" || o.keyFile == "") {
		return nil, cmdutil.FlagErrorf("--cert and --key go together")
	}
	if err := listen.CheckAddr(o.addr, withTLS); err != nil {
		return nil, cmdutil.FlagErrorf("--listen: %v", err)
	}
	if o.maxBody < 1024 || o.maxBody > 64<<20 {
		return nil, cmdutil.FlagErrorf("--max-body must be between 1024 and %d bytes, got %d", 64<<20, o.maxBody)
	}
	if o.publicURL != "" {
		// The shared rule for event URLs: https, or http to loopback only.
		if err := httpx.CheckWebhookURL(o.publicURL); err != nil {
			return nil, cmdutil.FlagErrorf("--public-url: %v", err)
		}
		if u, _ := url.Parse(o.publicURL); u.RawQuery != "" || u.Fragment != "" {
			return nil, cmdutil.FlagErrorf("--public-url must not have a query or fragment (the path token is appended to its path), got %q", o.publicURL)
		}
	}
	for _, k := range o.register {
		kind, err := parseKind(k)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--register: %v", err)
		}
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	for _, name := range o.afterCallOnly {
		if changed(name) && !o.afterCall {
			return nil, cmdutil.FlagErrorf("--%s applies to --after-call", name)
		}
	}
	if o.afterCall && !o.afterCallFlags.UsesLedger() {
		return nil, cmdutil.FlagErrorf("--after-call keeps the after-call ledger, so that a batch run over the same files surveys nobody twice: drop --no-ledger")
	}
	for _, name := range o.registerOnly {
		if changed(name) && len(kinds) == 0 {
			return nil, cmdutil.FlagErrorf("--%s applies to --register", name)
		}
	}
	for _, name := range o.taskRegisterOnly {
		if changed(name) && !slices.Contains(kinds, nimbus.TriggerTasks) {
			return nil, cmdutil.FlagErrorf("--%s applies to --register tasks", name)
		}
	}
	for _, name := range o.entryRegisterOnly {
		if changed(name) && !slices.Contains(kinds, nimbus.TriggerSchedulerEntries) {
			return nil, cmdutil.FlagErrorf("--%s applies to --register scheduler-entries", name)
		}
	}
	if len(kinds) > 0 && len(trimAll(o.services)) == 0 {
		return nil, cmdutil.FlagErrorf("--register needs --service: the UPN of at least one of your services")
	}
	if slices.Contains(kinds, nimbus.TriggerTasks) && len(trimAll(o.taskEvents)) == 0 {
		return nil, cmdutil.FlagErrorf("--register tasks needs --task-event: at least one event (see 'nimbusctl task events'; --after-call needs Terminated, --enrich the first event of a call)")
	}
	if slices.Contains(kinds, nimbus.TriggerSchedulerEntries) && len(trimAll(o.entryEvents)) == 0 {
		return nil, cmdutil.FlagErrorf("--register scheduler-entries needs --entry-event: at least one event (see 'nimbusctl schedule events')")
	}
	if strings.TrimSpace(o.exec) == "" && changed("exec") {
		return nil, cmdutil.FlagErrorf("--exec needs a command")
	}
	return kinds, nil
}

// listenStateDir is a profile's listener folder: its path token, and its events by default.
func listenStateDir(state, profile string) string { return filepath.Join(state, "listen", profile) }

// storedToken is the path token the profile's listener keeps ("" when it has none), so that
// a trigger made by hand for it is recorded without it.
func storedToken(f *cmdutil.Factory) string {
	cfg, err := f.Config()
	if err != nil {
		return ""
	}
	p, err := f.Profile()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(listenStateDir(cfg.Dirs.State, p.Name), "path-token"))
	if tok := strings.TrimSpace(string(b)); err == nil && listen.CheckToken(tok) == nil {
		return tok
	}
	return ""
}

// pathToken reads --path-token FILE, or the token kept in the state folder (made on first
// use). Both files follow the rule of every secret file (pkg/secretfile).
func (o *listenOptions) pathToken(f *cmdutil.Factory, stateDir string) (string, error) {
	if o.tokenFile != "" {
		b, err := secretfile.Read(o.tokenFile, "the listener's path token (--path-token)")
		var insecure *secretfile.InsecureError
		switch {
		case errors.As(err, &insecure):
			return "", err
		case errors.Is(err, fs.ErrNotExist):
			return "", cmdutil.FlagErrorf("--path-token takes a FILE holding the token (a token on the command line shows in ps): %v", err)
		case err != nil:
			return "", cmdutil.FlagErrorf("--path-token: %v", err)
		}
		tok := strings.TrimSpace(string(b))
		if err := listen.CheckToken(tok); err != nil {
			return "", cmdutil.FlagErrorf("--path-token: %v", err)
		}
		return tok, nil
	}
	path := filepath.Join(stateDir, "path-token")
	b, err := secretfile.Read(path, "the listener's path token")
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if err := listen.CheckToken(tok); err != nil {
			return "", fmt.Errorf("%s: %v (remove it to make a new one)", path, err)
		}
		return tok, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tok, err := listen.NewToken()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", err
	}
	return tok, secretfile.Write(path, []byte(tok+"\n"))
}

// eventURL is the URL a trigger posts to: the public base plus the token.
func eventURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/" + token
}

// redact hides the path token of a listener's URL (for the trigger record and logs).
func redact(u, token string) string { return strings.ReplaceAll(u, token, TokenMark) }

// listenSummary is what a stopped listener printed.
type listenSummary struct {
	listen.Counts
	Surveyed      int64 `json:"surveyed"`
	Held          int64 `json:"held"`
	SurveysFailed int64 `json:"surveysFailed"`
	Enriched      int64 `json:"enriched"`
	EnrichFailed  int64 `json:"enrichFailed"`
	ExecFailed    int64 `json:"execFailed"`
	Unprocessed   int64 `json:"unprocessed"`
}

func runListen(cmd *cobra.Command, f *cmdutil.Factory, o *listenOptions) error {
	kinds, err := o.check(cmd)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	p, err := f.Profile()
	if err != nil {
		return err
	}
	if len(kinds) > 0 && o.publicURL == "" {
		// The listen address is a URL only for a Nimbus on this machine (the sandbox).
		if u, err := url.Parse(p.NimbusURL()); err != nil || !httpx.IsLoopback(u.Hostname()) {
			return cmdutil.FlagErrorf("--register needs --public-url, the https URL Nimbus reaches this listener at (a reverse proxy's): the listen address %s is reachable from this machine only, and Nimbus is at %s", o.addr, p.NimbusURL())
		}
	}
	stateDir := listenStateDir(cfg.Dirs.State, p.Name)
	token, err := o.pathToken(f, stateDir)
	if err != nil {
		return err
	}
	f.HideSecret(token) // the event URL travels in trigger bodies, and an error may quote it
	if o.showURL {
		base := o.publicURL
		if base == "" {
			if base, err = defaultBase(o.addr, o.certFile != ""); err != nil {
				return err
			}
		}
		fmt.Fprintln(f.IO.Out, eventURL(base, token))
		return nil
	}
	dir := o.dir
	if dir == "" {
		dir = filepath.Join(stateDir, "events")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ctx := cmd.Context()
	lock, err := filelock.Acquire(ctx, filepath.Join(dir, ".lock"), 0, "the event folder "+dir)
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUnavailable, Err: fmt.Errorf("%w: another 'trigger listen' writes there", err)}
	}
	defer lock.Unlock()

	var logMu sync.Mutex // the handler's and the jobs' goroutines share stderr
	logf := func(format string, a ...any) {
		// One line per message: a newline an event brings (a task id, --exec's output) is
		// shown escaped, never a line of its own (Infof escapes the other controls).
		msg := strings.ReplaceAll(f.Scrub(fmt.Sprintf(format, a...)), "\n", `\n`)
		logMu.Lock()
		defer logMu.Unlock()
		f.IO.Infof("%s", msg)
	}
	w := &workers{f: f, logf: logf}
	if o.afterCall {
		ac, err := o.afterCallFlags.NewAfterCall(ctx, f)
		if err != nil {
			return err
		}
		ac.Stream()
		w.afterCall = ac
	}
	if o.enrich {
		if w.enricher, err = newEnricher(f); err != nil {
			return err
		}
	}
	w.exec, w.environ = strings.TrimSpace(o.exec), f.Environ()
	if w.exec != "" {
		// The command's environment has no secrets; nor may it read this process's.
		if err := closeToSameUser(); err != nil {
			f.IO.Warnf("the --exec command can read this listener's environment (/proc), credentials and all: %v", err)
		}
	}
	var nc *nimbus.Client
	if len(kinds) > 0 {
		if nc, err = f.Nimbus(); err != nil {
			return err
		}
	}

	store, err := listen.OpenStore(dir, f.Now)
	if err != nil {
		return err
	}
	h := &listen.Handler{Store: store, Token: token, MaxBody: o.maxBody, Logf: logf, OnEvent: w.enqueue}
	srv, err := listen.Listen(o.addr, h, o.certFile, o.keyFile, logf)
	if err != nil {
		store.Close()
		return cmdutil.FlagErrorf("--listen: %v", err)
	}
	base := o.publicURL
	if base == "" {
		base = srv.URL()
	}
	evURL := eventURL(base, token)
	w.start()
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	// From here on, every exit goes through stop: triggers deleted, requests answered,
	// work drained, files closed.
	var created []nimbus.Trigger
	stop := func() listenSummary {
		if len(created) > 0 {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
			for _, t := range created {
				err := deleteTrigger(dctx, nc, t.Kind, t.ID)
				if err == nil || cmdutil.ExitCodeOf(err) == cmdutil.ExitNotFound {
					forget(dctx, f, t.Kind, t.ID)
					logf("Deleted %s trigger %s.", t.Kind, t.ID)
				} else {
					logf("Could not delete %s trigger %s (%v): 'nimbusctl trigger delete --all' removes it.", t.Kind, t.ID, err)
				}
			}
			cancel()
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
		srv.Shutdown(sctx)
		cancel()
		store.Close()
		return w.stop(stopGrace)
	}

	if len(kinds) > 0 {
		replaceStale(ctx, f, nc, p.Name, redact(evURL, token), logf)
		for _, kind := range kinds {
			sp := Spec{URL: evURL, Hide: token, Services: trimAll(o.services), Events: o.taskEvents, Modalities: o.modalities, Directions: o.directions}
			if kind == nimbus.TriggerSchedulerEntries {
				sp = Spec{URL: evURL, Hide: token, Services: trimAll(o.services), Events: o.entryEvents}
			}
			t, err := create(ctx, f, nc, kind, sp, "trigger listen")
			if err == nil && t.ID == "" {
				err = errors.New("the API did not say the trigger's id (no Location header): it could not be deleted on stop")
			}
			if err != nil {
				stop()
				return err
			}
			created = append(created, t)
			logf("Registered %s trigger %s.", kind, t.ID)
		}
	}
	if o.readyFile != "" {
		if err := os.WriteFile(o.readyFile, []byte(srv.URL()+"\n"), 0o600); err != nil {
			stop()
			return fmt.Errorf("--ready-file: %w", err)
		}
		defer os.Remove(o.readyFile)
	}
	logf("Listening on %s; events go to %s (URL: %s).", srv.URL(), dir, redact(evURL, token))

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	sum := stop()
	sum.Counts = h.Counts()
	logf("Stopped.")
	if serveErr != nil {
		return serveErr
	}
	return f.Printer().Print(sum, output.Cols("STORED=stored", "DUPLICATES=duplicates", "REJECTED=rejected", "FAILED=failed",
		"SURVEYED=surveyed", "HELD=held", "SURVEYS FAILED=surveysFailed", "ENRICHED=enriched", "ENRICH FAILED=enrichFailed",
		"EXEC FAILED=execFailed", "UNPROCESSED=unprocessed"))
}

// defaultBase is the listener's own URL, for --show-url without --public-url.
func defaultBase(addr string, withTLS bool) (string, error) {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) || port == "0" {
		return "", cmdutil.FlagErrorf("--show-url needs --public-url: %s is not an address Nimbus can post to", addr)
	}
	scheme := "http"
	if withTLS {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// replaceStale deletes triggers an earlier run of this listener registered and could not
// delete (it was killed): same profile, same URL. They would deliver every event twice.
func replaceStale(ctx context.Context, f *cmdutil.Factory, c *nimbus.Client, profile, redactedURL string, logf func(string, ...any)) {
	list, err := recorded(f, profile)
	if err != nil {
		logf("Warning: %v", err)
		return
	}
	for _, r := range list {
		if r.CreatedBy != "trigger listen" || r.URL != redactedURL {
			continue
		}
		err := deleteTrigger(ctx, c, r.Kind, r.ID)
		if err == nil || cmdutil.ExitCodeOf(err) == cmdutil.ExitNotFound {
			forget(ctx, f, r.Kind, r.ID)
			logf("Deleted %s trigger %s, left by an earlier run that did not stop cleanly.", r.Kind, r.ID)
		}
	}
}
