package emulator

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentWrites runs writers in parallel; -race checks the locking.
func TestConcurrentWrites(t *testing.T) {
	e := start(t, Options{})
	c := as(t, e, DefaultUser)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := fmt.Sprintf("W%d-%d", w, i)
				if r := c.do("POST", "/v2/AddressBooks/"+BookPartners+"/contacts", map[string]any{"externalId": id}); r.status != 200 {
					t.Errorf("%s: %d %s", id, r.status, r.body)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(e.Contacts(BookPartners)); n != 81 {
		t.Fatalf("%d contacts", n)
	}
}

func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		e, err := Start(Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

func BenchmarkAddContact(b *testing.B) {
	e, err := Start(Options{Empty: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c := as(b, e, DefaultUser)
	i := 0
	for b.Loop() {
		i++
		r := c.do("POST", "/v2/AddressBooks/"+BookCustomers+"/contacts", map[string]any{"externalId": fmt.Sprint(i), "firstName": "A", "emailAddresses": []string{"a@b.example"}})
		if r.status != 200 {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}
