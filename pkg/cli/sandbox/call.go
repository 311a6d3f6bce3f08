package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/shared"
	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/output"
	"github.com/nimbusctl/nimbusctl/pkg/phone"
)

type callOptions struct {
	service, caller, destination, agent, talk, scheduled string
	anonymous, wait                                      bool
}

func newCmdCall(f *cmdutil.Factory) *cobra.Command {
	o := &callOptions{}
	cmd := &cobra.Command{
		Use:   "call --service UPN (--caller NUMBER | --anonymous | --destination NUMBER | --scheduled REFERENCE-ID)",
		Short: "Play a call in the running sandbox: its task events reach the triggers",
		Long: `Plays an Audio call in the running sandbox (started with 'nimbusctl sandbox'), as the
contact center would: the task's events Created, Connected (the agent takes it) and, once the
talk time has passed, Terminated go to every matching trigger — 'nimbusctl trigger listen'
receives them. created → terminated is the talk time.

  --caller NUMBER       an inbound call from this number (--anonymous: a withheld one)
  --destination NUMBER  an outbound call (callback, callout) to this number; the events show
                        the service's own number as the caller, as Nimbus does
  --scheduled REF       no call now: how the scheduled calls with this ReferenceId go once
                        their due time passes (the sandbox runs them): --agent, --talk. A
                        short talk time plays a voicemail.

--agent is who takes the call (default: the service's agent, agent@contoso.com on support@,
luca.rossi@contoso.com on sales@). It prints the call's task (TaskEventData) and returns at
once; --wait returns when the call has ended and prints its Terminated event.`,
		Example: `  $ nimbusctl sandbox call --service support@contoso.com --caller +41445551001 --talk 3m
  $ nimbusctl sandbox call --service sales@contoso.com --destination +41795551234 --talk 20s --wait -o json
  $ nimbusctl sandbox call --service support@contoso.com --scheduled callback-4711 --talk 15s`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCall(cmd.Context(), f, o, cmd.Flags().Changed)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.service, "service", "", "the service's `UPN` (support@contoso.com, sales@contoso.com)")
	fl.StringVar(&o.caller, "caller", "", "an inbound call from this `number`")
	fl.BoolVar(&o.anonymous, "anonymous", false, "an inbound call from a withheld number")
	fl.StringVar(&o.destination, "destination", "", "an outbound call to this `number`")
	fl.StringVar(&o.scheduled, "scheduled", "", "set how the scheduled calls with this `ReferenceId` go, instead of calling now")
	fl.StringVar(&o.agent, "agent", "", "who takes the call (`UPN`; default: the service's agent)")
	fl.StringVar(&o.talk, "talk", "2m", "the call's talk time, created to terminated (e.g. 20s, 3m; 1s to 24h)")
	fl.BoolVar(&o.wait, "wait", false, "wait for the call to end and print its Terminated event")
	return cmd
}

var callCols = output.Cols("TASK=taskId", "EVENT=event", "DIRECTION=direction", "SERVICE=serviceUPN", "CALLER=callerTelNumber",
	"DESTINATION=destinationTelNumber", "AGENT=LastConnectedUserUPN", "CREATED=created", "TERMINATED=terminated")

func runCall(ctx context.Context, f *cmdutil.Factory, o *callOptions, changed func(string) bool) error {
	if strings.TrimSpace(o.service) == "" {
		return cmdutil.FlagErrorf("--service is required: the UPN of a sandbox service (support@contoso.com, sales@contoso.com)")
	}
	kinds := 0
	for _, set := range []bool{o.caller != "", o.anonymous, o.destination != "", o.scheduled != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return cmdutil.FlagErrorf("give one of --caller, --anonymous, --destination or --scheduled")
	}
	talk, err := cmdutil.ParseSeconds("talk", o.talk, 1, 86400) // 0 would read as "unset": the 2-minute default
	if err != nil {
		return err
	}
	if o.scheduled != "" && o.wait {
		return cmdutil.FlagErrorf("--wait plays a call now: drop it with --scheduled")
	}
	call := controlCall{Service: o.service, Agent: o.agent, TalkSeconds: talk, Anonymous: o.anonymous}
	for _, n := range []struct {
		flag, value string
		to          *string
	}{{"caller", o.caller, &call.Caller}, {"destination", o.destination, &call.Destination}} {
		if n.value == "" {
			continue
		}
		// Numbers as Nimbus reports them: E.164 (national ones need the profile's country).
		cc := ""
		if p, err := f.Profile(); err == nil {
			cc = p.Get("default_country")
		}
		if *n.to, err = phone.Normalize(n.value, cc); err != nil {
			return cmdutil.FlagErrorf("--%s: %v", n.flag, err)
		}
	}
	c, err := newControlClient(f)
	if err != nil {
		return err
	}
	if o.scheduled != "" {
		out := controlOutcome{Agent: o.agent, TalkSeconds: talk}
		if err := c.do(ctx, http.MethodPut, "/scheduled-calls/"+url.PathEscape(o.scheduled), out, nil); err != nil {
			return err
		}
		shared.Successf(f, "The scheduled calls %s will last %s once due%s.", o.scheduled, cmdutil.HumanSeconds(talk), agentNote(o.agent))
		return nil
	}
	call.Direction = "Inbound"
	if o.destination != "" {
		call.Direction = "Outbound"
	}
	var played struct {
		Task map[string]any `json:"task"`
	}
	if err := c.do(ctx, http.MethodPost, "/calls", call, &played); err != nil {
		return err
	}
	task := played.Task
	if o.wait {
		id, _ := task["taskId"].(string)
		for {
			var st struct {
				State string         `json:"state"`
				Task  map[string]any `json:"task"`
			}
			if err := c.do(ctx, http.MethodGet, "/calls/"+url.PathEscape(id), nil, &st); err != nil {
				return err
			}
			if st.State == "ended" {
				task = st.Task
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return f.Printer().Print(task, callCols)
}

func agentNote(agent string) string {
	if agent == "" {
		return ""
	}
	return ", taken by " + agent
}

// controlClient calls the running sandbox's control endpoint, found through the sandbox
// profile and the token file the sandbox wrote.
type controlClient struct {
	base, token string
	http        *http.Client
}

func newControlClient(f *cmdutil.Factory) (*controlClient, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	notRunning := notRunning("no sandbox found (no sandbox profile)")
	if !cfg.HasProfile(Profile) {
		return nil, notRunning
	}
	p, err := cfg.ProfileNamed(Profile)
	if err != nil {
		return nil, err
	}
	token, err := os.ReadFile(filepath.Join(cfg.Dirs.Config, ControlFile))
	if err != nil {
		return nil, notRunning
	}
	t, err := httpx.NewTransport(p.Get("ca_file"))
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(p.Get("endpoint"), "/nimbus") + controlPrefix
	return &controlClient{base: base, token: strings.TrimSpace(string(token)), http: &http.Client{Transport: t, Timeout: 30 * time.Second}}, nil
}

func (c *controlClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return notRunning(fmt.Sprintf("the sandbox is not running (nothing answers at %s)", c.base))
	}
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUnavailable, Err: fmt.Errorf("the sandbox did not answer: %w", err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		json.Unmarshal(raw, &e)
		code := cmdutil.ExitRejected
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			e.Message += " (restart the sandbox: its token file is from another run)"
			code = cmdutil.ExitAuth
		case http.StatusNotFound:
			code = cmdutil.ExitNotFound
		}
		return &cmdutil.ExitError{Code: code, Err: fmt.Errorf("the sandbox refused: %s", e.Message)}
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// notRunningError: there is no sandbox to play a call in; it says what to do.
type notRunningError struct{ msg string }

func (e *notRunningError) Error() string { return e.msg }
func (e *notRunningError) Hint() string  { return "Start it with: nimbusctl sandbox &" }

func notRunning(msg string) error {
	return &cmdutil.ExitError{Code: cmdutil.ExitUnavailable, Err: &notRunningError{msg}}
}

// The running sandbox's control endpoint (emulator's control_http.go; a test keeps these in
// step). Declared here so that nimbusctl need not load the emulator to talk to it.
const controlPrefix = "/control"

// controlCall is the body of POST /control/calls (emulator.ControlCall).
type controlCall struct {
	Service     string `json:"service"`
	Direction   string `json:"direction"`
	Caller      string `json:"caller,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	Destination string `json:"destination,omitempty"`
	Agent       string `json:"agent,omitempty"`
	TalkSeconds int    `json:"talkSeconds,omitempty"`
}

// controlOutcome is the body of PUT /control/scheduled-calls/{ref} (emulator.ControlOutcome).
type controlOutcome struct {
	Agent       string `json:"agent,omitempty"`
	TalkSeconds int    `json:"talkSeconds,omitempty"`
}
