package bulk

import (
	"fmt"
	"strconv"
	"strings"
)

// RemoveLimit caps the contacts one --prune run may remove: a number, or a share of the
// address book as it was before the run. The zero value is DefaultRemoveLimit.
type RemoveLimit struct {
	count   int
	percent float64 // used when !isCount
	isCount bool
	set     bool
}

// DefaultRemoveLimit is 10% of the book. A CRM export cut off halfway, or a filter that lost a
// region, removes a large share at once; normal churn between two syncs is a few percent.
// Like rsync's --max-delete, the limit stops the first and lets the second through; a run
// above it removes nothing until someone says --max-remove.
var DefaultRemoveLimit = RemoveLimit{percent: 10, set: true}

// ParseRemoveLimit reads --max-remove: "N" (contacts) or "P%" (of the book, 0 to 100).
func ParseRemoveLimit(s string) (RemoveLimit, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v < 0 || v > 100 {
			return RemoveLimit{}, fmt.Errorf("--max-remove must be a number of contacts (e.g. 250) or a share of the book from 0%% to 100%% (e.g. 25%%), got %q", s)
		}
		return RemoveLimit{percent: v, set: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return RemoveLimit{}, fmt.Errorf("--max-remove must be a number of contacts (e.g. 250) or a share of the book from 0%% to 100%% (e.g. 25%%), got %q", s)
	}
	return RemoveLimit{count: n, isCount: true, set: true}, nil
}

func (l RemoveLimit) orDefault() RemoveLimit {
	if !l.set {
		return DefaultRemoveLimit
	}
	return l
}

// Allowed is how many of a book of size contacts the limit lets one run remove.
func (l RemoveLimit) Allowed(size int) int {
	l = l.orDefault()
	if l.isCount {
		return l.count
	}
	// In hundredths of a percent, so that 10% of 30 is exactly 3.
	return int(int64(size) * int64(l.percent*100+0.5) / 10000)
}

func (l RemoveLimit) String() string {
	l = l.orDefault()
	if l.isCount {
		return strconv.Itoa(l.count)
	}
	return strconv.FormatFloat(l.percent, 'f', -1, 64) + "%"
}

// IsDefault reports whether the limit is the default one (no --max-remove).
func (l RemoveLimit) IsDefault() bool { return !l.set }

// sharePercent is the smallest whole P for which "P%" of size allows n removals.
func sharePercent(n, size int) int {
	if size == 0 {
		return 100
	}
	p := (n*100 + size - 1) / size
	for p < 100 && (RemoveLimit{percent: float64(p), set: true}).Allowed(size) < n {
		p++
	}
	return p
}

// ErrRefused means an import stopped before sending anything because going on could do
// harm: invalid input (exit 3). With ShowPlan the summary is the plan it refused to carry out.
type ErrRefused struct {
	Msg      string
	ShowPlan bool
}

func (e *ErrRefused) Error() string { return e.Msg }

func tooManyRemovals(n, size int, l RemoveLimit) error {
	return &ErrRefused{ShowPlan: true, Msg: fmt.Sprintf(
		"--prune would remove %d of the %d contacts of the address book, more than --max-remove %s allows (%d): nothing was sent. "+
			"A file cut short (a failed or partial export) looks like this: check it. If these removals are meant, pass --max-remove %d (or --max-remove %d%%), and --yes where no terminal can confirm",
		n, size, l, l.Allowed(size), n, sharePercent(n, size))}
}
