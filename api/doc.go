// Package api holds OS1's public wire types and a Go client for its HTTP API.
//
// The API lives under /api/v1 on an OS1 server. Requests and responses are
// JSON; errors are an [ErrorResponse] with a code and a message. Clients
// authenticate with an API key in the Authorization header
// ("Bearer <key>"), or with the session cookie the web page uses.
//
// A message posted to a conversation is answered as a stream of [Event]s,
// over Server-Sent Events (POST with "Accept: text/event-stream") or over
// a WebSocket (GET /api/v1/conversations/{id}/ws); a plain POST waits for
// the whole reply and returns a [TurnResponse].
//
// This package imports nothing of the server's, so third parties can use it.
package api
