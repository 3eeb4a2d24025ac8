package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxSSELine is the longest line an [EventReader] accepts. A message is at
// most 64 KiB of text; JSON escaping can make it up to six times longer.
const maxSSELine = 4 << 20

// EventReader reads a turn's [Event]s from a Server-Sent Events stream, as
// sent by POST /api/v1/conversations/{id}/messages with
// "Accept: text/event-stream".
//
// It follows the SSE format: lines end in LF, CRLF or CR; a line starting
// with ":" is a comment (keep-alives such as ": ping" are skipped); "data"
// lines of one event are joined with "\n"; a blank line ends an event; an
// event with no data is dropped; "id" and "retry" fields are ignored.
// Each event's data must be an [Event] in JSON. When the data carries no
// type, the SSE event name is used.
type EventReader struct {
	sc *bufio.Scanner
}

// NewEventReader returns an EventReader reading from r.
func NewEventReader(r io.Reader) *EventReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxSSELine)
	sc.Split(scanSSELines)
	return &EventReader{sc: sc}
}

// Next returns the next event. It returns io.EOF when the stream ends
// cleanly between events, io.ErrUnexpectedEOF when it ends inside one, and
// a wrapped error for a read failure or an event whose data is not JSON.
func (r *EventReader) Next() (Event, error) {
	var (
		name    string
		data    bytes.Buffer
		hasData bool
		partial bool // some field of the current event has been read
	)
	for r.sc.Scan() {
		line := r.sc.Text()
		if line == "" {
			if !hasData {
				name, partial = "", false
				continue
			}
			return decodeSSEEvent(name, data.Bytes())
		}
		if line[0] == ':' {
			continue
		}
		partial = true
		field, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			name = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		}
	}
	if err := r.sc.Err(); err != nil {
		return Event{}, fmt.Errorf("read event stream: %w", err)
	}
	if partial {
		return Event{}, io.ErrUnexpectedEOF
	}
	return Event{}, io.EOF
}

func decodeSSEEvent(name string, data []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, fmt.Errorf("decode %q event: %w", name, err)
	}
	if ev.Type == "" {
		ev.Type = name
	}
	if ev.Type == "" {
		return Event{}, errors.New("decode event: no type")
	}
	return ev, nil
}

// scanSSELines is a bufio.SplitFunc for lines ending in "\r\n", "\n" or "\r".
func scanSSELines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		// A CR: it may be the first half of a CRLF split across reads.
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
