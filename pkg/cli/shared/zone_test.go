package shared

import "testing"

// TZ set but empty is UTC to Go (and to libc), whatever /etc/localtime says: the note must
// name the zone the due times were read in. Not parallel: it sets TZ.
func TestMachineZoneOfAnEmptyTZIsUTC(t *testing.T) {
	t.Setenv("TZ", "")
	if got := MachineZone(); got != "UTC" {
		t.Errorf("MachineZone() = %q with TZ set to nothing, want UTC", got)
	}
	t.Setenv("TZ", ":Europe/Zurich")
	if got := MachineZone(); got != "Europe/Zurich" {
		t.Errorf("MachineZone() = %q with TZ=:Europe/Zurich", got)
	}
}
