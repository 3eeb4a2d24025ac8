// Package llm holds what the model providers (llm/openai, llm/ollama,
// llm/anthropic) share: the retry loop that retries transient failures only
// before the first chunk of a reply was delivered, the time-to-first-chunk
// (and between-chunks) timeout, the HTTP transport that turns error statuses
// into [*StatusError], and the translation of provider failures into
// [*os1.Error] values with messages a person can act on.
//
// Providers call [Stream] for a streamed reply and [Call] for a plain
// request; both take a [Policy] and an [Endpoint] describing the server for
// error messages. The package imports only the standard library and os1.
package llm
