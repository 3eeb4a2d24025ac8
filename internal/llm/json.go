package llm

import "strings"

// JSONObject returns the JSON object in a model's reply to a request for
// JSON: from its first "{" to its last "}", which drops what models put
// around it (code fences, a sentence before or after). Without such a span
// it returns the trimmed reply, for the decoder to reject.
func JSONObject(reply string) string {
	reply = strings.TrimSpace(reply)
	if i, j := strings.Index(reply, "{"), strings.LastIndex(reply, "}"); i >= 0 && j > i {
		return reply[i : j+1]
	}
	return reply
}
