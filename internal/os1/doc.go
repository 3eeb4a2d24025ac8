// Package os1 is the domain core of OS1: the types every other package speaks
// (users, companions, conversations, messages, memories), the error codes,
// and the contracts between the adapters (ChatModel, Embedder, the stores).
//
// It imports only the standard library. Adapters (sqlite, llm/*, httpapi, …)
// depend on this package and never on each other; the wiring happens in
// cmd/os1.
//
// Vocabulary: a [User] is a person with an account — "the person" the
// companion belongs to. A [Person] (see memory.go) is someone in that user's
// life that the companion has heard about.
package os1
