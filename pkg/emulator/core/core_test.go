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
