package nimbus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/httpx"
)

// GetAddressBooks lists the address books the signed-in user may use.
func (c *Client) GetAddressBooks(ctx context.Context) ([]AddressBook, error) {
	var out []AddressBook
	_, err := c.do(ctx, call{op: OpGetAddressBooks}, &out)
	return out, err
}

// maxIDQuery bounds the externalIds query of one request, keeping URLs well under the 2 KB
// that proxies and gateways commonly accept.
const maxIDQuery = 1500

// GetContacts returns the contacts of an address book: all of them when externalIDs is empty,
// else those with the given external ids (unknown ids are simply absent). The swagger's
// externalIds query array has no collectionFormat, so it is sent as Swagger 2.0's default,
// comma-separated; long lists are split over several requests, and an id that itself holds a
// comma (which csv cannot carry) is found by reading the whole book.
func (c *Client) GetContacts(ctx context.Context, book string, externalIDs []string) ([]Contact, error) {
	if len(externalIDs) == 0 {
		return c.getContacts(ctx, book, nil)
	}
	for _, id := range externalIDs {
		if strings.Contains(id, ",") {
			return c.filterAll(ctx, book, externalIDs)
		}
	}
	var out []Contact
	for _, chunk := range chunkIDs(externalIDs, maxIDQuery) {
		got, err := c.getContacts(ctx, book, url.Values{"externalIds": {strings.Join(chunk, ",")}})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func (c *Client) getContacts(ctx context.Context, book string, q url.Values) ([]Contact, error) {
	var out []Contact
	_, err := c.do(ctx, call{op: OpGetContacts, params: []string{book}, query: q}, &out)
	return out, err
}

func (c *Client) filterAll(ctx context.Context, book string, ids []string) ([]Contact, error) {
	all, err := c.getContacts(ctx, book, nil)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []Contact
	for _, ct := range all {
		if want[ct.ExternalID] {
			out = append(out, ct)
		}
	}
	return out, nil
}

// chunkIDs splits ids so that each joined chunk stays under limit bytes once escaped.
func chunkIDs(ids []string, limit int) [][]string {
	var chunks [][]string
	var cur []string
	size := 0
	for _, id := range ids {
		n := len(url.QueryEscape(id)) + 3 // "%2C" between ids
		if len(cur) > 0 && size+n > limit {
			chunks = append(chunks, cur)
			cur, size = nil, 0
		}
		cur = append(cur, id)
		size += n
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// AddContact adds a new contact; its ExternalID is its key from then on.
func (c *Client) AddContact(ctx context.Context, book string, ct Contact) (Contact, error) {
	var out Contact
	_, err := c.do(ctx, call{op: OpAddContact, params: []string{book}, body: ct}, &out)
	return out, err
}

// UpdateContact writes a contact, found by its ExternalID. Send the whole contact: the
// swagger does not say whether fields left out are kept or cleared.
func (c *Client) UpdateContact(ctx context.Context, book string, ct Contact) (Contact, error) {
	var out Contact
	_, err := c.do(ctx, call{op: OpUpdateContact, params: []string{book}, body: ct}, &out)
	return out, err
}

// RemoveContacts removes contacts by external id. Removing is idempotent, so the POST may be
// retried.
func (c *Client) RemoveContacts(ctx context.Context, book string, externalIDs []string) error {
	_, err := c.do(ctx, call{op: OpRemoveContacts, params: []string{book}, body: externalIDs, idempotent: true}, nil)
	return err
}

// ClearContacts removes every contact of an address book.
func (c *Client) ClearContacts(ctx context.Context, book string) error {
	_, err := c.do(ctx, call{op: OpClearContacts, params: []string{book}, idempotent: true}, nil)
	return err
}

// EachContact streams every contact of an address book to fn as raw JSON, decoding the API's
// single JSON array element by element so that a large book is never held in memory whole.
func (c *Client) EachContact(ctx context.Context, book string, fn func(raw json.RawMessage) error) error {
	path, err := expand(OpGetContacts, []string{book})
	if err != nil {
		return err
	}
	resp, err := c.h.Open(ctx, &httpx.Request{Op: OpGetContacts.ID, Method: OpGetContacts.Method, Path: path})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("%s: the answer is not a JSON array", OpGetContacts.ID)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: reading the answer: %w", OpGetContacts.ID, err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	return nil
}
