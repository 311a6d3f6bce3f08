package core

import (
	"testing"
	"time"
)

func TestBucketRefills(t *testing.T) {
	b := NewBucket(Rate{Count: 2, Per: 10 * time.Second})
	t0 := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		if ok, _ := b.Take(t0); !ok {
			t.Fatal("burst refused")
		}
	}
	ok, wait := b.Take(t0)
	if ok || wait != 5*time.Second {
		t.Fatalf("empty bucket: %v %v", ok, wait)
	}
	if ok, _ := b.Take(t0.Add(5 * time.Second)); !ok {
		t.Fatal("no token after refill time")
	}
	if ok, _ := NewBucket(Rate{}).Take(t0); !ok {
		t.Fatal("zero rate must not limit")
	}
	if CeilSeconds(1500*time.Millisecond) != 2 || CeilSeconds(0) != 1 {
		t.Fatal("ceilSeconds")
	}
}

// TestWindowLimit: a fixed window takes Count calls at any speed, then refuses until the
// window's end (that is the Retry-After), then starts a new window at the next call.
func TestWindowLimit(t *testing.T) {
	b := NewBucket(Rate{Count: 3, Per: time.Minute, Window: true})
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := b.Take(t0.Add(time.Duration(i) * time.Second)); !ok {
			t.Fatalf("call %d of the window refused", i+1)
		}
	}
	ok, wait := b.Take(t0.Add(20 * time.Second))
	if ok || wait != 40*time.Second {
		t.Fatalf("full window: %v %v, want refused for the 40s left", ok, wait)
	}
	// Unlike a bucket, nothing comes back before the window ends.
	if ok, _ := b.Take(t0.Add(59 * time.Second)); ok {
		t.Fatal("a call accepted before the window ended")
	}
	for i := 0; i < 3; i++ {
		if ok, _ := b.Take(t0.Add(90 * time.Second)); !ok {
			t.Fatalf("call %d of the next window refused", i+1)
		}
	}
	if ok, wait := b.Take(t0.Add(100 * time.Second)); ok || wait != 50*time.Second {
		t.Fatalf("second window: %v %v, want refused for 50s (it began at 90s)", ok, wait)
	}
}

func TestIDsAreSeeded(t *testing.T) {
	a, b, c := newIDGen(7), newIDGen(7), newIDGen(8)
	x, y, z := a.uuid(), b.uuid(), c.uuid()
	if x != y || x == z || len(x) != 36 || x[14] != '4' {
		t.Fatalf("%s %s %s", x, y, z)
	}
}

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct {
		base string
		segs []string
		want string
	}{
		{"", []string{"customer", "telNumbers", "0", "name"}, "customer.telNumbers[0].name"},
		{"", []string{"1"}, "[1]"},
		{"externalIds", []string{"0"}, "externalIds[0]"},
	} {
		if got := joinPath(tc.base, tc.segs); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.segs, got, tc.want)
		}
	}
}
