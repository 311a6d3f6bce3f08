package shared

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/nimbus"
)

// BookArgHelp describes the BOOK argument in help texts.
const BookArgHelp = `BOOK is an address book's id or its name (as 'nimbusctl addressbook list' shows them);
a name is looked up among the address books you may use.`

var guidRE = sync.OnceValue(func() *regexp.Regexp { // compiled at first use, not at every start
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// resolveBook turns a BOOK argument (id or name) into the address book, reading the list of
// the user's address books (GetAddressBooks).
func resolveBook(ctx context.Context, c *nimbus.Client, arg string) (nimbus.AddressBook, error) {
	if strings.TrimSpace(arg) == "" {
		return nimbus.AddressBook{}, cmdutil.FlagErrorf("the address book must not be empty: give its id or name")
	}
	books, err := c.GetAddressBooks(ctx)
	if err != nil {
		return nimbus.AddressBook{}, err
	}
	return MatchBook(books, arg)
}

// MatchBook finds arg among books: an id first, then a name (exact, else case-insensitive).
// A name that several books share is invalid input (exit 3); an unknown name is not found
// (exit 6). An id-shaped argument that is not in the list is passed through as an id, so the
// API itself says whether the book is forbidden (403) or unknown (404).
func MatchBook(books []nimbus.AddressBook, arg string) (nimbus.AddressBook, error) {
	for _, b := range books {
		if b.ID == arg {
			return b, nil
		}
	}
	for _, same := range []func(a, b string) bool{
		func(a, b string) bool { return a == b },
		strings.EqualFold,
	} {
		var hits []nimbus.AddressBook
		for _, b := range books {
			if same(b.Name, arg) {
				hits = append(hits, b)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0], nil
		default:
			ids := make([]string, len(hits))
			for i, h := range hits {
				ids[i] = h.ID
			}
			return nimbus.AddressBook{}, cmdutil.InvalidInputf("address book name %q is ambiguous: %d address books have it (ids %s); give the id instead",
				arg, len(hits), strings.Join(ids, ", "))
		}
	}
	if guidRE().MatchString(arg) {
		return nimbus.AddressBook{ID: arg, Name: arg}, nil
	}
	names := make([]string, len(books))
	for i, b := range books {
		names[i] = b.Name
	}
	known := "you may use none"
	if len(names) > 0 {
		known = "yours: " + strings.Join(names, ", ")
	}
	return nimbus.AddressBook{}, NotFoundf("address book %q not found: no address book you may use has this id or name (%s)", arg, known)
}

// BookLabel names a book in messages: its name, or its id when the name is unknown.
func BookLabel(b nimbus.AddressBook) string {
	if b.Name == "" || b.Name == b.ID {
		return b.ID
	}
	return b.Name
}

// bookCandidates renders books for shell completion: "name\tid".
func bookCandidates(books []nimbus.AddressBook) []string {
	out := make([]string, 0, len(books))
	for _, b := range books {
		out = append(out, fmt.Sprintf("%s\t%s", b.Name, b.ID))
	}
	return out
}

// NimbusBook returns the Nimbus client and the address book arg names (id or name): how
// every command on one book starts.
func NimbusBook(ctx context.Context, f *cmdutil.Factory, arg string) (*nimbus.Client, nimbus.AddressBook, error) {
	c, err := f.Nimbus()
	if err != nil {
		return nil, nimbus.AddressBook{}, err
	}
	book, err := resolveBook(ctx, c, arg)
	return c, book, err
}
