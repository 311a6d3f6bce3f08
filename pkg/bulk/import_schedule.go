package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// ScheduleImport schedules one outbound call per row. The idempotency key is the service plus
// the row's ReferenceId (derived from service, destination and due time when the file has
// none): a row whose key already exists on the service, or in the local ledger, is skipped (or
// updated with Update), so a cron job that runs twice never calls a customer twice. Every
// call of the file that the run creates, may have created, or finds listed is in the ledger
// before the run ends, even when an earlier run was killed. A create whose answer was lost is
// never sent again blindly: it is looked up after a grace period and, when it cannot be found,
// reported as failed for a later run to settle.
type ScheduleImport struct {
	Client *nimbus.Client
	Input  Input

	Maps           map[string]string
	Service        string         // --service: for rows without a service column
	TZ             *time.Location // --tz: wall-clock due times, and days of relative ones (+1d)
	ZoneNote       string         // said once when a due time is read in TZ ("": nothing to say)
	Now            func() time.Time
	DefaultCountry string

	Update       bool // rows whose call exists are updated instead of skipped
	AllowPast    bool // schedule rows whose due time has passed (they start at once)
	SkipInvalid  bool
	DryRun       bool
	ValidateOnly bool
	Workers      int
	Ledger       *Ledger       // nil: no ledger (--no-ledger)
	Grace        time.Duration // wait before looking up lost creates (default 3s)
	// LedgerCommand, when set, is the `schedule ledger VERB` command line (settle, forget)
	// for a call, as the user pastes it (the CLI adds the profile and --ledger); shown with a
	// call that may have rung.
	LedgerCommand func(verb, ref, service string) string

	Recorder *Recorder
	Problem  func(error)
	Warn     func(string)
	Total    func(int)

	keys        *keySet            // the file's calls; ReferenceIds compared up to case (foldKey)
	known       keyIndex[struct{}] // the calls the service lists and the ledger remembers, of those keys
	mayHaveRung int                // rows failed as calls that may have rung: no rerun retries them
}

// ledgerCommand is the `schedule ledger VERB` command line for a call.
func (si *ScheduleImport) ledgerCommand(verb, ref, service string) string {
	if si.LedgerCommand != nil {
		return si.LedgerCommand(verb, ref, service)
	}
	return output.CommandLine([]string{"nimbusctl", "schedule", "ledger", verb, "--service", service}, ref)
}

type pastRow struct {
	line int
	key  string
	due  time.Time
}

// Run executes the import.
func (si *ScheduleImport) Run(ctx context.Context) (Summary, error) {
	if si.Workers < 1 {
		si.Workers = 4
	}
	if si.Now == nil {
		si.Now = time.Now
	}
	if si.Grace == 0 {
		si.Grace = 3 * time.Second
	}
	now := si.Now()
	b, closeSrc, err := si.open(ctx, now)
	if err != nil {
		return Summary{}, err // file problems come as FileError, lookups as API errors
	}
	closeSrc()

	// Pass 1: validate, and learn which services the file touches. ReferenceIds are compared
	// as foldKey makes them (see twin).
	keys := newCallKeySet(si.Input.estimateRows())
	si.keys = keys
	services := map[string]string{} // lower -> as written
	var past []pastRow
	dups := newDuplicates(keys, ScheduleRow.Key)
	invalid, total := 0, 0
	inZone := false // a row's due time was read in TZ
	err = si.each(b, func(line int, r ScheduleRow, errs []*RowError) error {
		total++
		if len(errs) == 0 && dups.check(line, r) {
			invalid++ // reported below
			return nil
		}
		if len(errs) > 0 {
			invalid++
			si.invalid(line, r.Entry.ReferenceID, errs)
			return nil
		}
		services[strings.ToLower(r.Entry.ServiceUPN)] = r.Entry.ServiceUPN
		inZone = inZone || r.InZone
		if !r.Due.After(now) {
			past = append(past, pastRow{line, r.Key(), r.Due})
		}
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	rescan := func(fn func(int, ScheduleRow, []*RowError) error) error { return si.each(b, fn) }
	if err := dups.report(rescan, func(line int, r ScheduleRow, first int) {
		ref := r.Entry.ReferenceID
		msg := fmt.Sprintf("duplicate call %q on %s (first on line %d)", ref, r.Entry.ServiceUPN, first)
		if _, was, _ := strings.Cut(keys.firstKey(r.Key()), "\x00"); was != ref {
			// One call to a service that ignores case: two creates could ring the customer twice.
			msg = fmt.Sprintf("duplicate call %q on %s: differs only %s from %q (first on line %d)", ref, r.Entry.ServiceUPN, howKeysDiffer(ref, was), was, first)
		}
		si.invalid(line, ref, []*RowError{{File: b.File, Line: line, Column: "referenceId", Msg: msg}})
	}); err != nil {
		return Summary{}, err
	}
	if si.Total != nil {
		si.Total(total)
	}
	if inZone && si.ZoneNote != "" && si.Warn != nil {
		si.Warn(si.ZoneNote)
	}

	// The current state: every call of the services the file names, and the ledger's record
	// of the file's calls.
	state := map[string]nimbus.SchedulerEntry{}
	if !si.ValidateOnly {
		if err := si.readState(ctx, services, state); err != nil {
			return Summary{}, err
		}
		if si.Ledger != nil {
			if err := si.Ledger.Load(keys.has); err != nil {
				return Summary{}, err
			}
		}
		si.known = si.knownCalls(state)
	}
	// A due time in the past is fine for a call that exists already (it is skipped), and an
	// error for one that may be new (not listed, and not settled in the ledger): it would ring
	// at once.
	// Even with --allow-past, not one due before what the ledger remembers: it may have been
	// made and have rung, and the ledger would no longer know.
	pastBad := map[int]bool{}
	forgotten := now.Add(-(LedgerKeep - 24*time.Hour))
	for _, p := range past {
		_, onServer := state[p.key]
		prev, inLedger := si.ledgerHas(p.key)
		if _, _, twin := si.twin(p.key, state); onServer || inLedger && prev.Settled() || twin {
			continue // a twin is reported for what it is, in pass 2
		}
		msg := ""
		switch {
		case !si.AllowPast:
			msg = fmt.Sprintf("the due time %s has passed; the call would start at once (pass --allow-past to schedule it anyway)", nimbus.FormatDue(p.due))
		case si.Ledger != nil && p.due.Before(forgotten):
			msg = fmt.Sprintf("the due time %s is more than %d days ago, beyond what the ledger remembers (%d days): the call may have been scheduled, and rung, already; not scheduled",
				nimbus.FormatDue(p.due), int(LedgerKeep.Hours()/24)-1, int(LedgerKeep.Hours()/24))
		default:
			continue
		}
		pastBad[p.line] = true
		invalid++
		si.invalid(p.line, strings.SplitN(p.key, "\x00", 2)[1], []*RowError{{File: b.File, Line: p.line, Column: "due", Msg: msg}})
	}
	if s, stopped, err := si.Recorder.stopAfterValidation(total, invalid, si.ValidateOnly, checkRows(total, invalid, si.SkipInvalid)); stopped {
		return s, err
	}

	// Every call of the file that the service lists goes into the ledger now, if it is not
	// there yet: once it has run and is no longer listed, the ledger alone remembers it (a run
	// killed after its create, before recording it, leaves such a call behind).
	if si.Ledger != nil && !si.DryRun {
		if err := si.Ledger.Record(si.found(keys, services, state)...); err != nil {
			return Summary{}, fmt.Errorf("writing the ledger: %w", err)
		}
	}

	// Pass 2: plan and apply. A dry run for -o json lists every row's phone numbers.
	b.NotePhones = si.DryRun && si.Recorder.keepRows
	tasks := make(chan Task, si.Workers*2)
	lost := &lostWrites[nimbus.SchedulerEntryWrite]{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Pool(ctx, si.Workers, tasks, func(t Task, err error) {
			if err != errDeferred {
				si.Recorder.Add(resultOf(t, err))
			}
		})
	}()
	planErr := si.each(b, func(line int, r ScheduleRow, errs []*RowError) error {
		if len(errs) > 0 || pastBad[line] || !keys.isFirst(r.Key(), line) {
			return nil
		}
		if ctx.Err() != nil { // cancelled: the rest of the file is listed, not planned
			si.Recorder.Add(notProcessed(Task{Line: line, Key: r.Entry.ReferenceID}))
			return nil
		}
		t, ok := si.plan(line, r, state, b.Map, lost)
		if !ok {
			return nil // recorded already
		}
		if si.DryRun {
			si.Recorder.Add(Result{Line: t.Line, Key: t.Key, Action: t.Action, Status: StatusPlanned, Phones: r.Phones})
			return nil
		}
		dispatch(ctx, tasks, t, si.Recorder)
		return nil
	})
	close(tasks)
	wg.Wait()
	if len(lost.items) > 0 && ctx.Err() == nil {
		si.settle(ctx, lost, services)
	}
	s, err := si.Recorder.Finish(si.DryRun, ctx.Err() != nil)
	s.MayHaveRung = si.mayHaveRung
	if planErr != nil && ctx.Err() == nil {
		return s, planErr
	}
	return s, err
}

func (si *ScheduleImport) invalid(line int, key string, errs []*RowError) {
	for _, e := range errs {
		if si.Problem != nil {
			si.Problem(e)
		}
	}
	si.Recorder.Add(Result{Line: line, Key: key, Action: ActionInvalid, Status: StatusInvalid, Error: joinErrs(errs)})
}

func (si *ScheduleImport) ledgerHas(key string) (LedgerEntry, bool) {
	if si.Ledger == nil {
		return LedgerEntry{}, false
	}
	svc, ref, _ := strings.Cut(key, "\x00")
	return si.Ledger.Has(svc, ref)
}

// knownCalls files the calls the service lists and the ledger remembers (loaded for the
// file's keys) under the file's keys, to find a row's twins.
func (si *ScheduleImport) knownCalls(state map[string]nimbus.SchedulerEntry) keyIndex[struct{}] {
	known := newKeyIndex[struct{}]()
	for k := range state {
		if h := si.keys.hash(k); si.keys.seen.has(h) {
			known.add(h, k, struct{}{})
		}
	}
	if si.Ledger != nil {
		for _, e := range si.Ledger.Entries() {
			k := e.key()
			known.add(si.keys.hash(k), k, struct{}{})
		}
	}
	return known
}

// twin finds a call that the service lists, or the ledger remembers, under a ReferenceId
// that differs from the one of key (ScheduleRow.Key) only in case, width or spacing: theirs,
// and where it is ("the service lists", "the ledger remembers").
func (si *ScheduleImport) twin(key string, state map[string]nimbus.SchedulerEntry) (theirs, where string, ok bool) {
	if si.keys == nil || si.known.one == nil {
		return "", "", false
	}
	_, _, twins := si.known.match(si.keys, key)
	if len(twins) == 0 {
		return "", "", false
	}
	k, where := twins[0], "the ledger remembers"
	for _, t := range twins {
		if _, listed := state[t]; listed {
			k, where = t, "the service lists"
			break
		}
	}
	_, theirs, _ = strings.Cut(k, "\x00")
	return theirs, where, true
}

// twinCall is the error of a row whose ReferenceId the service lists, or the ledger
// remembers, only in other case (or width, or spacing). The connector's contract does not
// say whether ReferenceIds are case-sensitive: if they are not, the row is that call, and a
// create would ring the customer a second time, which nothing can undo; if they are, an
// update from the row would change another customer's call. So the row does neither, and
// the run says how to make the two agree (exit 9, as contact import's case twins).
func twinCall(file string, line int, ref, theirs, where string) *RowError {
	return &RowError{File: file, Line: line, Column: "referenceId", Msg: fmt.Sprintf(
		"%q differs only %s from %q, which %s, and the connector does not say whether ReferenceIds are case-sensitive: "+
			"no call is scheduled or changed, so that nobody is rung twice (write the ReferenceId as %q if it is that call, or give the row one of its own if not)",
		ref, howKeysDiffer(ref, theirs), theirs, where, theirs)}
}

// found lists the calls of the file (keys) that the service lists and the ledger does not
// hold as settled.
func (si *ScheduleImport) found(keys *keySet, services map[string]string, state map[string]nimbus.SchedulerEntry) []LedgerEntry {
	var out []LedgerEntry
	at := si.Now().UTC().Format(time.RFC3339)
	for k, e := range state {
		if !keys.has(k) {
			continue
		}
		if prev, ok := si.ledgerHas(k); ok && prev.Settled() {
			continue
		}
		svc, _, _ := strings.Cut(k, "\x00")
		due := e.DueDateTimeUTC
		if t, err := time.Parse(time.RFC3339, due); err == nil {
			due = nimbus.FormatDue(t)
		}
		out = append(out, LedgerEntry{Service: services[svc], ReferenceID: e.ReferenceID, Destination: e.Destination, Due: due,
			RecordedAt: at, Outcome: OutcomeFound, EntryID: e.SchedulerEntryID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// open resolves the mapping and the lookups the rows are checked against.
func (si *ScheduleImport) open(ctx context.Context, now time.Time) (*ScheduleBuilder, func(), error) {
	rc, err := si.Input.Open()
	if err != nil {
		return nil, nil, fileErr(err)
	}
	r, err := NewReader(rc, si.Input.Name, si.Input.ReadOptions)
	if err != nil {
		rc.Close()
		return nil, nil, fileErr(err)
	}
	m, err := ScheduleSchema.Resolve(r.Header, si.Maps, "", "referenceId")
	if err != nil {
		rc.Close()
		return nil, nil, fileErr(err)
	}
	if si.Warn != nil && len(m.Ignored) > 0 {
		si.Warn(fmt.Sprintf("ignoring column(s) %s (use --map \"column=field\" to import them)", quoteList(m.Ignored)))
	}
	if err := checkScheduleMapping(r.Name, m, si.Service != ""); err != nil {
		rc.Close()
		return nil, nil, fileErr(err)
	}
	b := &ScheduleBuilder{File: r.Name, Map: m, Service: si.Service, TZ: si.TZ, Now: now, DefaultCountry: si.DefaultCountry}
	if !si.ValidateOnly {
		svcs, err := si.Client.GetSchedulerEntryServices(ctx)
		if err != nil {
			rc.Close()
			return nil, nil, fmt.Errorf("reading your services: %w", err)
		}
		b.Services = map[string]bool{}
		for _, s := range svcs {
			b.Services[strings.ToLower(s)] = true
		}
		if m.Has("priority") {
			prios, err := si.Client.GetDistributionPriorities(ctx)
			if err != nil {
				rc.Close()
				return nil, nil, fmt.Errorf("reading the distribution priorities: %w", err)
			}
			b.Priorities = map[string]string{}
			for _, p := range prios {
				b.Priorities[strings.ToLower(p.Name)] = p.Value
				b.Priorities[strings.ToLower(p.Value)] = p.Value
			}
		}
	}
	return b, func() { rc.Close() }, nil
}

// each reads the file from the start and builds every row.
func (si *ScheduleImport) each(b *ScheduleBuilder, fn func(line int, r ScheduleRow, errs []*RowError) error) error {
	return eachRow(si.Input, b.Build, fn)
}

func (si *ScheduleImport) readState(ctx context.Context, services map[string]string, state map[string]nimbus.SchedulerEntry) error {
	names := make([]string, 0, len(services))
	for _, s := range services {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, svc := range names {
		entries, err := si.Client.GetSchedulerEntries(ctx, svc)
		if err != nil {
			return fmt.Errorf("reading the calls scheduled on %s: %w", svc, err)
		}
		for _, e := range entries {
			if e.ReferenceID != "" {
				state[strings.ToLower(svc)+"\x00"+e.ReferenceID] = e
			}
		}
	}
	return nil
}

// plan decides one row. It returns false when the row needs no task (recorded already).
func (si *ScheduleImport) plan(line int, r ScheduleRow, state map[string]nimbus.SchedulerEntry, m *Mapping, lost *lostWrites[nimbus.SchedulerEntryWrite]) (Task, bool) {
	ref := r.Entry.ReferenceID
	status := okOrPlanned(si.DryRun)
	if cur, ok := state[r.Key()]; ok {
		if !si.Update {
			si.Recorder.Add(Result{Line: line, Key: ref, Phones: r.Phones, Action: ActionSkip, Status: status})
			return Task{}, false
		}
		want := mergeEntry(cur.WriteData(), r.Entry, m)
		if sameJSON(want, cur.WriteData()) {
			si.Recorder.Add(Result{Line: line, Key: ref, Phones: r.Phones, Action: ActionUnchanged, Status: status})
			return Task{}, false
		}
		if !cur.DueAfter(si.Now()) {
			// Counted as skipped, but the file asked for a change that will never be made:
			// said on its own line, as an invalid row is.
			if si.Warn != nil {
				si.Warn(fmt.Sprintf("%s:%d: %s: the call is in progress and can no longer be changed: this row's changes were not applied", si.Input.Name, line, ref))
			}
			si.Recorder.Add(Result{Line: line, Key: ref, Phones: r.Phones, Action: ActionSkip, Status: status, Error: "in progress: can no longer be changed"})
			return Task{}, false
		}
		id := cur.SchedulerEntryID
		return Task{Line: line, Key: ref, Action: ActionUpdate, Run: func(ctx context.Context) error {
			if _, err := si.Client.UpdateSchedulerEntry(ctx, id, want); err != nil {
				return err
			}
			// Kept under its new due day: left on the old one, it would expire while the
			// call is still ahead.
			return si.record(want, id, OutcomeFound)
		}}, true
	}
	if prev, ok := si.ledgerHas(r.Key()); ok {
		if prev.Settled() {
			si.Recorder.Add(Result{Line: line, Key: ref, Phones: r.Phones, Action: ActionSkip, Status: status,
				Error: fmt.Sprintf("%s on %s (entry %s) and no longer listed: not scheduled again", prev.Outcome, prev.RecordedAt, prev.EntryID)})
			return Task{}, false
		}
		// An earlier create got no answer (a lost answer, or a run that died): it may exist.
		if !prev.MaySendAgain(si.Now()) {
			si.mayHaveRung++
			si.Recorder.Add(Result{Line: line, Key: ref, Phones: r.Phones, Action: ActionCreate, Status: StatusFailed, Error: fmt.Sprintf(
				"an earlier create (%s on %s) got no answer, and the call is not listed now that it is due: it may have rung already, so it is not scheduled again; "+
					"if it did ring, run: %s (it says so, and ends this message); if it must be made, run: %s, then import again",
				prev.Outcome, prev.RecordedAt, si.ledgerCommand("settle", ref, r.Entry.ServiceUPN), si.ledgerCommand("forget", ref, r.Entry.ServiceUPN))})
			return Task{}, false
		}
	}
	if theirs, where, ok := si.twin(r.Key(), state); ok {
		si.invalid(line, ref, []*RowError{twinCall(si.Input.Name, line, ref, theirs, where)})
		return Task{}, false
	}
	entry := r.Entry
	return Task{Line: line, Key: ref, Action: ActionCreate, Run: func(ctx context.Context) error {
		// Written down before it is sent: if this process dies before the answer, the next
		// run knows the call may exist.
		if err := si.record(entry, "", OutcomePending); err != nil {
			return err
		}
		got, err := si.Client.CreateSchedulerEntry(ctx, entry)
		if httpx.IsAmbiguous(err) {
			lost.add(line, entry)
			return errDeferred
		}
		if err != nil {
			// Refused: nothing was created. The pending line stays, harmless: a later run
			// sees the call not listed while its due time lies ahead, and tries again.
			return err
		}
		return si.record(entry, got.SchedulerEntryID, OutcomeCreated)
	}}, true
}

func (si *ScheduleImport) record(e nimbus.SchedulerEntryWrite, id, outcome string) error {
	if si.Ledger == nil {
		return nil
	}
	err := si.Ledger.Record(LedgerEntry{Service: e.ServiceUPN, ReferenceID: e.ReferenceID, Destination: e.Destination,
		Due: e.DueDateTimeUTC, RecordedAt: si.Now().UTC().Format(time.RFC3339), Outcome: outcome, EntryID: id})
	switch {
	case err == nil:
		return nil
	case outcome == OutcomePending:
		return fmt.Errorf("not scheduled: writing the ledger failed: %w", err)
	}
	return fmt.Errorf("scheduled as %s, but writing the ledger failed: %w", id, err)
}

// settle looks up the creates whose answer was lost, after a grace period for the server to
// finish them. Found: recorded as created. Not found: failed, recorded as lost, and NOT sent
// again — the server may still be creating it, and a second create could ring the customer
// twice. The next run settles it from the state it then reads: listed, it is recorded as
// found; not listed while its due time lies ahead, it was never created and is sent; not
// listed after that, it may have rung, and only 'schedule ledger forget' releases it.
func (si *ScheduleImport) settle(ctx context.Context, lost *lostWrites[nimbus.SchedulerEntryWrite], services map[string]string) {
	select {
	case <-time.After(si.Grace):
	case <-ctx.Done():
	}
	state := map[string]nimbus.SchedulerEntry{}
	readErr := si.readState(ctx, services, state)
	for _, it := range lost.items {
		t := Task{Line: it.line, Key: it.write.ReferenceID, Action: ActionCreate}
		key := strings.ToLower(it.write.ServiceUPN) + "\x00" + it.write.ReferenceID
		got, found := state[key]
		switch {
		case readErr != nil:
			si.Recorder.Add(resultOf(t, fmt.Errorf("the answer was lost and looking it up failed (%v); not resent: rerun later to settle it", readErr)))
		case found:
			si.Recorder.Add(resultOf(t, si.record(it.write, got.SchedulerEntryID, OutcomeCreated)))
		default:
			err := fmt.Errorf("the answer was lost and the call is not listed; not resent, so that it never rings twice: rerun later to settle it")
			if lerr := si.record(it.write, "", OutcomeLost); lerr != nil {
				err = fmt.Errorf("%v (and writing the ledger failed: %v)", err, lerr)
			}
			si.Recorder.Add(resultOf(t, err))
		}
	}
}

// mergeEntry overlays the fields the file's columns cover onto the server's entry.
func mergeEntry(server, row nimbus.SchedulerEntryWrite, m *Mapping) nimbus.SchedulerEntryWrite {
	out := server
	out.ReferenceID, out.ServiceUPN = row.ReferenceID, row.ServiceUPN
	if m.Has("destination") {
		out.Destination = row.Destination
	}
	if m.Has("due") {
		out.DueDateTimeUTC = row.DueDateTimeUTC
	}
	if m.Has("priority") {
		out.DistributionPriority = row.DistributionPriority
	}
	if m.Has("maxAttempts") && row.MaxAttempts != nil {
		out.MaxAttempts = row.MaxAttempts
	}
	if m.Has("attemptTimeout") && row.AttemptTimeoutInSeconds != nil {
		out.AttemptTimeoutInSeconds = row.AttemptTimeoutInSeconds
	}
	if m.Has("maxQueueTime") && row.MaxQueueTimeInSeconds != nil {
		out.MaxQueueTimeInSeconds = row.MaxQueueTimeInSeconds
	}
	if m.Has("ronaTimeout") && row.RonaTimeoutInSeconds != nil {
		out.RonaTimeoutInSeconds = row.RonaTimeoutInSeconds
	}
	if m.HasPrefix("ctx.") {
		out.CustomCallContextParameters = row.CustomCallContextParameters
	}
	if m.HasPrefix("customer.") || m.HasPrefix("field.") || m.HasPrefix("tel.") {
		out.Customer = row.Customer
	}
	return out
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
