// Package companion runs conversation turns: it stores what the person
// says, builds the model's context from the persona, what is remembered and
// the guards' facts, streams the model's reply out as it arrives, and stores
// the reply — complete, or marked interrupted when it was cut off.
//
// A turn, step by step ([Engine.Turn]):
//  1. The person's turn lock is taken: one turn at a time per person, so two
//     tabs sending at once queue instead of interleaving.
//  2. The message is validated and committed to the store before anything
//     else happens, then handed to memory for indexing.
//  3. The context is built to a token budget: system prompt (persona, guard
//     facts, recalled memories) plus as much recent history as fits.
//  4. A reply row is created (status streaming) and the model is called;
//     each chunk is passed on at once, and the partial reply is saved every
//     FlushInterval so that a crash leaves it behind.
//  5. The reply is stored complete, or interrupted with the reason (cancel,
//     shutdown, provider error). The person's message is never lost; they can
//     retry, which answers the same message again without duplicating it.
//
// The engine depends only on the os1 interfaces and the small consumer-side
// interfaces declared here.
package companion
