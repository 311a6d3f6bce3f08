package odata

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Delimiters are the candidates for codes joined in one string, in order of preference.
// Luware does not document the feed's choice, so it is detected once per feed from the data
// (DetectDelimiter), never per value: a code named "Info, Pricing" in a ";" feed must stay
// whole whether it stands alone or not.
var Delimiters = []string{";", "|", ","}

// SampleSize is how many sessions the detection reads.
const SampleSize = 1000

// DetectDelimiter picks the delimiter of a feed from a sample of its delimited values. A
// candidate splits values into pieces; it is the delimiter when those pieces are codes,
// that is when they also occur as whole values on other sessions. ("Sale;Upsell" splits
// into Sale and Upsell, both seen alone; "Info, Pricing" splits into Info and Pricing,
// never seen alone.) The candidate whose pieces are seen alone most wins, then the one in
// more values; a tie is the user's call (odata_codes_delimiter). Without such evidence (a
// small sample), ";" or "|" still wins where it occurs; otherwise every value is one code.
func DetectDelimiter(values []string) (*Delimiter, error) {
	type cand struct {
		d             string
		values, alone int
	}
	whole := map[string]bool{}
	var vals []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			vals = append(vals, v)
			whole[v] = true
		}
	}
	var seen, viable []cand
	for _, d := range Delimiters {
		c := cand{d: d}
		pieces := map[string]bool{}
		for _, v := range vals {
			if !strings.Contains(v, d) {
				continue
			}
			c.values++
			for _, p := range strings.Split(v, d) {
				if p = strings.TrimSpace(p); p != "" {
					pieces[p] = true
				}
			}
		}
		for p := range pieces {
			if whole[p] {
				c.alone++
			}
		}
		if c.values > 0 {
			seen = append(seen, c)
		}
		if c.alone > 0 {
			viable = append(viable, c)
		}
	}
	counts := func(cs []cand) string {
		var parts []string
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%q in %d", c.d, c.values))
		}
		return strings.Join(parts, ", ")
	}
	sample := fmt.Sprintf("a sample of %d values", len(vals))
	if len(viable) == 0 {
		// A small sample may show no piece alone. ";" and "|" hardly ever belong to a code's
		// name, so either still wins; a "," without evidence may be part of one ("Info,
		// Pricing"), so it does not split.
		for _, c := range seen {
			if c.d != "," {
				return &Delimiter{Value: c.d, How: "in " + sample + ", " + counts(seen) + "; no piece it splits off stands alone there, but " + strconv.Quote(c.d) + " is not part of code names"}, nil
			}
		}
		how := "no value in " + sample + " holds " + strings.Join(quoteAll(Delimiters), ", ")
		if len(seen) > 0 {
			how = "in " + sample + ", " + counts(seen) + ", but no piece they split off stands alone as a code elsewhere"
		}
		d := &Delimiter{How: how + ": each value is one code (set " + SettingDelimiter + " if values join several)"}
		if len(seen) > 0 { // only "," is left: it may join codes as well as belong to a name
			d.Doubt = "in " + sample + ", " + counts(seen) + ", but no piece it splits off stands alone as a code elsewhere, so each value counts as one code: if \",\" joins codes, set " +
				SettingDelimiter + " (nimbusctl config set " + SettingDelimiter + " ',')"
		}
		return d, nil
	}
	sort.SliceStable(viable, func(i, j int) bool {
		if viable[i].alone != viable[j].alone {
			return viable[i].alone > viable[j].alone
		}
		return viable[i].values > viable[j].values
	})
	if len(viable) > 1 && viable[0].alone == viable[1].alone && viable[0].values == viable[1].values {
		return nil, mappingErrorf("the codes are joined in one string, and %s cannot tell the delimiter (%s split as well): set %s (nimbusctl config set %s ';', or %s)",
			sample, counts(viable[:2]), SettingDelimiter, SettingDelimiter, envOf(SettingDelimiter))
	}
	return &Delimiter{Value: viable[0].d, How: "detected in " + sample + " (" + counts(seen) + ")"}, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// SplitCodes splits a delimited string of codes on delim ("" keeps it whole); blanks
// around codes are dropped.
func SplitCodes(s, delim string) []string {
	out := []string{}
	if delim == "" || !strings.Contains(s, delim) {
		return appendCode(out, s)
	}
	for _, part := range strings.Split(s, delim) {
		out = appendCode(out, part)
	}
	return out
}
