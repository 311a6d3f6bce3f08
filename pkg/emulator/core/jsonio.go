package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// MaxBody bounds request bodies; real gateways refuse far smaller ones than bulk code might
// build by mistake.
const MaxBody = 4 << 20

// HTTPError is an error answer: a status and the message of the JSON body.
type HTTPError struct {
	Status  int
	Message string
	Errors  []FieldError // per-field detail of a 400
}

// FieldError names one offending field by its JSON path ("customer.telNumbers[0].name").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *HTTPError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

// Errorf makes an HTTPError with a formatted message.
func Errorf(status int, format string, args ...any) *HTTPError {
	return &HTTPError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadField is a 400 about one field, in the same shape as the swagger validation errors.
func BadField(field, msg string) *HTTPError {
	return &HTTPError{
		Status:  http.StatusBadRequest,
		Message: "The request is invalid: " + field + ": " + msg,
		Errors:  []FieldError{{Field: field, Message: msg}},
	}
}

// Reply is a successful answer; a nil Body is sent as an empty body.
type Reply struct {
	Status   int
	Body     any
	Location string
}

// OK is a 200 answer with body.
func OK(body any) (Reply, *HTTPError) { return Reply{Status: http.StatusOK, Body: body}, nil }

// WriteReply answers with rep, or with herr when it is not nil.
func WriteReply(w http.ResponseWriter, rep Reply, herr *HTTPError) {
	if herr != nil {
		WriteHTTPError(w, herr)
		return
	}
	if rep.Location != "" {
		w.Header().Set("Location", rep.Location)
	}
	if rep.Body == nil {
		w.WriteHeader(rep.Status)
		return
	}
	WriteJSON(w, rep.Status, rep.Body)
}

// WriteJSON answers with v encoded as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
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

// WriteError answers {"message": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteHTTPError(w, &HTTPError{Status: status, Message: msg})
}

// WriteHTTPError answers {"message": ..., "errors": [...]}, the errors only when there are some.
func WriteHTTPError(w http.ResponseWriter, e *HTTPError) {
	body := struct {
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors,omitempty"`
	}{e.Message, e.Errors}
	WriteJSON(w, e.Status, body)
}
