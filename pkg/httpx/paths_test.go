package httpx

import "testing"

func TestExpandAndMatchPath(t *testing.T) {
	if got := ExpandPath("/v2/AddressBooks/{AddressBook}/contacts", "a/b c"); got != "/v2/AddressBooks/a%2Fb%20c/contacts" {
		t.Errorf("expand = %s", got)
	}
	if got := ExpandPath("/x/{a}/{b}", "1"); got != "/x/1/" {
		t.Errorf("missing param = %s", got)
	}
	for path, want := range map[string]bool{
		"/v1/tasks/T1": true, "/V1/Tasks/T1/": true, "/v1/tasks/": false, "/v1/tasks/T1/x": false, "/v1/task/T1": false,
	} {
		if MatchPath("/v1/tasks/{taskId}", path) != want {
			t.Errorf("MatchPath(%q) != %v", path, want)
		}
	}
}
