package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// httpError is an error answer: a status and the message of the JSON body.
type httpError struct {
	Status  int
	Message string
	Errors  []fieldError // per-field detail of a 400
}

// fieldError names one offending field by its JSON path ("customer.telNumbers[0].name").
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

func errorf(status int, format string, args ...any) *httpError {
	return &httpError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// writeJSON answers with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"message":"emulator: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeError answers {"message": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeHTTPError(w, &httpError{Status: status, Message: msg})
}

func writeHTTPError(w http.ResponseWriter, e *httpError) {
	body := struct {
		Message string       `json:"message"`
		Errors  []fieldError `json:"errors,omitempty"`
	}{e.Message, e.Errors}
	writeJSON(w, e.Status, body)
}
