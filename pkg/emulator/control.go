package emulator

import "time"

// The control surface tests and the sandbox use: each method hands over to the part that
// owns the state, where it is documented. Nothing here goes through HTTP, so assertions do
// not depend on the code under test; everything returned is a copy.

// Core: faults, counters, tokens.

// InjectFaults makes the next requests to service svc fail with the given kinds, one per
// request, in order, before any random fault; an empty kind lets that request through.
func (e *Emulator) InjectFaults(svc string, kinds ...FaultKind) { e.srv.InjectFaults(svc, kinds...) }

// SetFaultRate changes the probability of random faults at run time (0 turns them off).
func (e *Emulator) SetFaultRate(rate float64) { e.srv.SetFaultRate(rate) }

// Received lists the requests that reached the emulator, oldest first (at most the last few
// thousand), with the Authorization each carried: what a test asserts was or was not sent.
func (e *Emulator) Received() []Received { return e.srv.Received() }

// Stats returns a copy of the counters since Start.
func (e *Emulator) Stats() Stats { return e.srv.Stats() }

// WaitIdle waits until no request is being handled, or the timeout passes, and says whether
// it got there.
func (e *Emulator) WaitIdle(timeout time.Duration) bool { return e.srv.WaitIdle(timeout) }

// IssueToken returns a new opaque bearer token for user and audience, valid for ttl on the
// emulator's clock.
func (e *Emulator) IssueToken(user, audience string, ttl time.Duration) string {
	return e.srv.IssueToken(user, audience, ttl)
}

// LookupToken reports what a token was issued for (expired or not).
func (e *Emulator) LookupToken(tok string) (Token, bool) { return e.srv.LookupToken(tok) }

// RevokeToken forgets one token.
func (e *Emulator) RevokeToken(tok string) { e.srv.RevokeToken(tok) }

// RevokeTokens forgets every token issued so far (a "sign-out everywhere").
func (e *Emulator) RevokeTokens() { e.srv.RevokeTokens() }

// Entra ID.

// ClientSecret is the secret of the confidential app ConfidentialClientID.
func (e *Emulator) ClientSecret() string { return e.entra.ClientSecret() }

// ClientCertificatePEM is the confidential app's certificate and private key in PEM, the file
// NIMBUSCTL_CLIENT_CERTIFICATE names.
func (e *Emulator) ClientCertificatePEM() ([]byte, error) { return e.entra.ClientCertificatePEM() }

// UserCodes lists the device-code user codes issued so far, oldest first.
func (e *Emulator) UserCodes() []string { return e.entra.UserCodes() }

// TokenGrants counts the tokens issued so far by grant type.
func (e *Emulator) TokenGrants() map[string]int { return e.entra.TokenGrants() }

// RevokeRefreshTokens invalidates every refresh token.
func (e *Emulator) RevokeRefreshTokens() { e.entra.RevokeRefreshTokens() }

// Nimbus.

// Contacts returns the contacts of an address book (by id or name) in insertion order, as
// stored; nil if there is no such book.
func (e *Emulator) Contacts(book string) []map[string]any { return e.nimbus.Contacts(book) }

// SchedulerEntries returns a service's scheduler entries as GetSchedulerEntries would list
// them now.
func (e *Emulator) SchedulerEntries(service string) []map[string]any {
	return e.nimbus.SchedulerEntries(service)
}

// SchedulerEntry returns one entry by id.
func (e *Emulator) SchedulerEntry(id string) (map[string]any, bool) {
	return e.nimbus.SchedulerEntry(id)
}

// RunSchedulerEntries makes every entry of a service vanish from its list, as entries do once
// their call has run, and returns how many there were.
func (e *Emulator) RunSchedulerEntries(service string) int {
	return e.nimbus.RunSchedulerEntries(service)
}

// Task returns a live task as TaskEventData (with its taskInformation), event "Updated".
func (e *Emulator) Task(id string) (map[string]any, bool) { return e.nimbus.Task(id) }

// PlayCall starts an Audio call now (see package nimbus, calls.go) and returns its task as
// TaskEventData (event Created): the triggers hear Created, Connected and, once the talk
// time has passed on the emulator's clock, Terminated.
func (e *Emulator) PlayCall(c Call) (map[string]any, error) { return e.nimbus.PlayCall(c) }

// SetScheduledCall says how the scheduled calls with this ReferenceId go once due (with
// Options.RunScheduledCalls): who takes them, how long they last.
func (e *Emulator) SetScheduledCall(referenceID string, o Outcome) error {
	return e.nimbus.SetScheduledCall(referenceID, o)
}

// EndedCall returns a call that has hung up, as its Terminated event.
func (e *Emulator) EndedCall(taskID string) (map[string]any, bool) { return e.nimbus.Ended(taskID) }

// Triggers returns the registered triggers in registration order.
func (e *Emulator) Triggers() []Trigger { return e.nimbus.Triggers() }

// AddUser gives a (new or existing) user exactly these services (UPNs) and address books (ids).
func (e *Emulator) AddUser(upn string, services, books []string) {
	e.nimbus.AddUser(upn, services, books)
}

// PutContacts stores contacts in a book directly, without HTTP and without validation.
func (e *Emulator) PutContacts(book string, contacts []map[string]any) {
	e.nimbus.PutContacts(book, contacts)
}

// nps.today.

// NPSSurveys returns the surveys sent so far (campaign members), in order.
func (e *Emulator) NPSSurveys() []NPSSurvey { return e.npstoday.Surveys() }

// NPSHeld is the number of sends held for a p-gap rating.
func (e *Emulator) NPSHeld() int { return e.npstoday.Held() }

// NPSRespondents returns the distinct respondents surveys were sent to, in first-seen order.
func (e *Emulator) NPSRespondents() []map[string]any { return e.npstoday.Respondents() }

// NPSEmployees returns the employees (with their id), in registration order.
func (e *Emulator) NPSEmployees() []map[string]any { return e.npstoday.Employees() }

// NPSWebhooks returns the live webhook subscriptions, in creation order.
func (e *Emulator) NPSWebhooks() []NPSWebhook { return e.npstoday.Webhooks() }

// AddNPSPgapPeriod puts an employee (e-mail) in a p-gap training period on a campaign.
func (e *Emulator) AddNPSPgapPeriod(employee string, campaignID int, from, to time.Time) {
	e.npstoday.AddPgapPeriod(employee, campaignID, from, to)
}

// SetNPSIVRMap replaces the IVR map.
func (e *Emulator) SetNPSIVRMap(entries ...NPSIVREntry) { e.npstoday.SetIVRMap(entries...) }

// AddNPSTodayKey makes another API key valid (with its own rate budget).
func (e *Emulator) AddNPSTodayKey(key string) { e.npstoday.AddKey(key) }

// OData.

// ODataSession returns session i of the feed (0 <= i < ODataSessionCount()).
func (e *Emulator) ODataSession(i int) ODataSession { return e.odata.Session(i) }

// ODataSessionCount is the number of sessions in the feed.
func (e *Emulator) ODataSessionCount() int { return e.odata.SessionCount() }

// ODataWindow is the span of the sessions: [from, to), whole UTC days.
func (e *Emulator) ODataWindow() (from, to time.Time) { return e.odata.Window() }
