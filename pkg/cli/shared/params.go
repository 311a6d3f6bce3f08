package shared

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// ContextFlags is --context name=value (repeatable): the custom context parameters of a task
// or scheduled call.
type ContextFlags struct {
	cmd   *cobra.Command
	raw   []string
	Value []nimbus.ContextParameter
}

// AddContextFlags registers --context on cmd.
func AddContextFlags(cmd *cobra.Command) *ContextFlags {
	c := &ContextFlags{cmd: cmd}
	cmd.Flags().StringArrayVar(&c.raw, "context", nil, "custom context parameter `name=value` (repeatable)")
	return c
}

// NonEmpty drops blank values, so that a repeatable flag given once as "" clears its list.
func NonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// Changed reports whether --context was given.
func (c *ContextFlags) Changed() bool { return c.cmd.Flags().Changed("context") }

// Parse checks the values into Value; call it before any API call.
func (c *ContextFlags) Parse() error {
	kvs, err := cmdutil.ParseKeyValues("context", NonEmpty(c.raw))
	if err != nil {
		return err
	}
	c.Value = nil
	for _, kv := range kvs {
		c.Value = append(c.Value, nimbus.ContextParameter{Name: kv.Key, Value: kv.Value})
	}
	return nil
}

// PreferredUserFlags is --preferred-user upn[:priority] (repeatable, at most 10).
type PreferredUserFlags struct {
	cmd   *cobra.Command
	raw   []string
	Value []nimbus.PreferredUser
}

// AddPreferredUserFlags registers --preferred-user on cmd, completed from
// GetUsersForPreferredRouting.
func AddPreferredUserFlags(cmd *cobra.Command, f *cmdutil.Factory) *PreferredUserFlags {
	p := &PreferredUserFlags{cmd: cmd}
	cmd.Flags().StringArrayVar(&p.raw, "preferred-user", nil,
		"route to this user first: `upn[:priority]`, priority 1 (high) to 99 (low); repeatable, at most 10")
	CompleteFlag(cmd, "preferred-user", CompleteStrings(f, (*nimbus.Client).GetUsersForPreferredRouting))
	return p
}

// Changed reports whether --preferred-user was given.
func (p *PreferredUserFlags) Changed() bool { return p.cmd.Flags().Changed("preferred-user") }

// Parse checks the values into Value; call it before any API call.
func (p *PreferredUserFlags) Parse() error {
	if len(p.raw) > nimbus.PreferredUsersMax {
		return cmdutil.FlagErrorf("--preferred-user: at most %d preferred users, got %d", nimbus.PreferredUsersMax, len(p.raw))
	}
	p.Value = nil
	for _, s := range p.raw {
		u, err := ParsePreferredUser(s)
		if err != nil {
			return err
		}
		p.Value = append(p.Value, u)
	}
	return nil
}

// ParsePreferredUser reads "upn" or "upn:priority".
func ParsePreferredUser(s string) (nimbus.PreferredUser, error) {
	upn, prio := strings.TrimSpace(s), ""
	if i := strings.LastIndexByte(upn, ':'); i >= 0 {
		upn, prio = strings.TrimSpace(upn[:i]), strings.TrimSpace(upn[i+1:])
	}
	if upn == "" {
		return nimbus.PreferredUser{}, cmdutil.FlagErrorf("--preferred-user: %q has no UPN (want upn[:priority])", s)
	}
	u := nimbus.PreferredUser{UPN: upn}
	if prio == "" {
		if strings.HasSuffix(strings.TrimSpace(s), ":") {
			return u, cmdutil.FlagErrorf("--preferred-user: %q has an empty priority (want upn[:priority])", s)
		}
		return u, nil
	}
	n, err := strconv.Atoi(prio)
	if err != nil {
		return u, cmdutil.FlagErrorf("--preferred-user: priority %q of %s is not a number between %d (high) and %d (low)",
			prio, upn, nimbus.PreferredPriorityMin, nimbus.PreferredPriorityMax)
	}
	if n < nimbus.PreferredPriorityMin || n > nimbus.PreferredPriorityMax {
		return u, cmdutil.FlagErrorf("--preferred-user priority must be between %d (high) and %d (low), got %d for %s",
			nimbus.PreferredPriorityMin, nimbus.PreferredPriorityMax, n, upn)
	}
	u.Priority = n
	return u, nil
}

// TaskFlags are the task fields external-task add and task update both take: the customer
// flags, --context and --preferred-user.
type TaskFlags struct {
	Customer *CustomerFlags
	Context  *ContextFlags
	Users    *PreferredUserFlags
}

// AddTaskFlags registers the customer flags, --context and --preferred-user on cmd.
func AddTaskFlags(cmd *cobra.Command, f *cmdutil.Factory) *TaskFlags {
	return &TaskFlags{Context: AddContextFlags(cmd), Users: AddPreferredUserFlags(cmd, f), Customer: AddCustomerFlags(cmd, f)}
}

// Changed reports whether any of them was given.
func (t *TaskFlags) Changed() bool {
	return t.Customer.Changed() || t.Context.Changed() || t.Users.Changed()
}

// Apply checks the flags and sets the fields that were given: the customer merged into
// *customer, the context parameters and preferred users replacing theirs. Call it before any
// API call.
func (t *TaskFlags) Apply(customer **nimbus.Customer, params *[]nimbus.ContextParameter, users *[]nimbus.PreferredUser) error {
	for _, p := range []interface{ Parse() error }{t.Customer, t.Context, t.Users} {
		if err := p.Parse(); err != nil {
			return err
		}
	}
	if t.Customer.Changed() {
		*customer = t.Customer.Apply(*customer)
	}
	if t.Context.Changed() {
		*params = t.Context.Value
	}
	if t.Users.Changed() {
		*users = t.Users.Value
	}
	return nil
}
