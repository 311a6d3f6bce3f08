package trigger

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

func TestSummarize(t *testing.T) {
	r := func(n int) *int { return &n }
	for _, c := range []struct {
		list []npstoday.Response
		want string
	}{
		{nil, "[{NPS.Summary no earlier responses} {NPS.Responses 0}]"},
		{[]npstoday.Response{{Rating: r(7), RatingTime: "2026-01-02T10:00:00.1234567+00:00"}}, "[{NPS.Summary 1 response; last 7 on 2026-01-02} {NPS.Responses 1} {NPS.LastScore 7} {NPS.LastDate 2026-01-02} {NPS.LastComment }]"},
		{[]npstoday.Response{
			{Rating: r(2), RatingTime: "2026-01-02T10:00:00Z", UserComment: "old"},
			{Rating: r(10), RatingTime: "2026-02-03T10:00:00Z", UserComment: "  Very\n good " + strings.Repeat("x", 100)},
			{Rating: nil, RatingTime: "not a time", UserComment: "unreadable"},
		}, "[{NPS.Summary 3 responses; last 10 on 2026-02-03: “Very good " + strings.Repeat("x", 69) + "…”} {NPS.Responses 3} {NPS.LastScore 10} {NPS.LastDate 2026-02-03} {NPS.LastComment Very good " + strings.Repeat("x", 69) + "…}]"},
	} {
		if got := fmt.Sprint(Summarize(c.list)); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
