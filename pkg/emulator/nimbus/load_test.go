package nimbus_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/emulator"
	"github.com/nimbusctl/nimbusctl/pkg/emulator/internal/emutest"
)

// TestConcurrentWrites runs writers in parallel; -race checks the locking.
func TestConcurrentWrites(t *testing.T) {
	e := emutest.Start(t, emulator.Options{})
	c := emutest.As(t, e, emulator.DefaultUser)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := fmt.Sprintf("W%d-%d", w, i)
				if r := c.Do("POST", "/v2/AddressBooks/"+emulator.BookPartners+"/contacts", map[string]any{"externalId": id}); r.Status != 200 {
					t.Errorf("%s: %d %s", id, r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(e.Contacts(emulator.BookPartners)); n != 81 {
		t.Fatalf("%d contacts", n)
	}
}

func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		e, err := emulator.Start(emulator.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

func BenchmarkAddContact(b *testing.B) {
	e, err := emulator.Start(emulator.Options{Empty: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c := emutest.As(b, e, emulator.DefaultUser)
	i := 0
	for b.Loop() {
		i++
		r := c.Do("POST", "/v2/AddressBooks/"+emulator.BookCustomers+"/contacts", map[string]any{"externalId": fmt.Sprint(i), "firstName": "A", "emailAddresses": []string{"a@b.example"}})
		if r.Status != 200 {
			b.Fatalf("%d %s", r.Status, r.Body)
		}
	}
}
