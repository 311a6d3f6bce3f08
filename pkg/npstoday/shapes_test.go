package npstoday_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
	"github.com/nimbusctl/nimbusctl/pkg/npstoday"
)

// The public docs show no response bodies for some routes, so the client accepts the shapes
// an API like this one is known to use: a bare list, a list wrapped in data/items/value, and
// for the IVR map an object of queue id → campaign id (or → mapping). The emulator answers
// with bare lists; this server answers with the others.
func TestAnswerShapes(t *testing.T) {
	answers := map[string]string{
		npstoday.RouteListCampaigns.Path: `{"data":[{"id":101,"name":"Support after-call"}],"total":1}`,
		npstoday.RouteIVRMap.Path:        `{"sales@contoso.com":{"campaignId":"102","campaignName":"Sales"},"support@contoso.com":101}`,
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	h, err := httpx.New(httpx.Config{Service: "npstoday", BaseURL: srv.URL, Limiter: httpx.NewLimiter(httpx.Rate{}), Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	c := npstoday.New(h)
	ctx := context.Background()

	list, err := c.Campaigns(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "101" || list[0].Name != "Support after-call" {
		t.Errorf("campaigns %+v %v", list, err)
	}
	ivr, err := c.IVRMap(ctx)
	if err != nil || len(ivr) != 2 {
		t.Fatalf("ivr %+v %v", ivr, err)
	}
	// Sorted by queue id, so output is stable.
	if ivr[0].QueueID != "sales@contoso.com" || ivr[0].CampaignID != "102" || ivr[0].CampaignName != "Sales" ||
		ivr[1].QueueID != "support@contoso.com" || ivr[1].CampaignID != "101" {
		t.Errorf("ivr %+v", ivr)
	}

	answers[npstoday.RouteIVRMap.Path] = `{"support@contoso.com":[1,2]}`
	if _, err := c.IVRMap(ctx); err == nil || err.Error() != `GetIVRMap: unexpected answer for queue "support@contoso.com": [1,2] is neither a campaign id nor a mapping object` {
		t.Errorf("err %v", err)
	}
}
