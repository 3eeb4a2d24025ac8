// Package offline is OS1's offline mind: an [os1.ChatModel] with no
// language model behind it. It is always available, and it never pretends
// to be more than it is.
//
// It cannot understand free text. It writes each reply from templates,
// using the structured facts of the turn ([os1.TurnContext]): the person's
// name, the emotion detected in their message, the things remembered about
// them and the true counters of the companion's other conversations. It
// recognises a few kinds of message by their words — greetings, "what can
// you do", "are you human" and similar questions about what it is, "how
// many people are you talking to", "do you remember …" — and answers those
// plainly. Everything else gets a short reflection of the feeling it
// detected, a remembered thing when one is relevant, and a question.
//
// It says that it runs without a language model, and how to connect one, on
// the person's first turn, whenever asked what it can do, when asked a
// question it cannot answer, and now and then otherwise; asked what it is,
// it says it is an AI companion program running without a language model.
//
// When a guard has decided the reply (TurnContext.Guard is not empty), the
// mind writes nothing of its own: the reply is exactly
// strings.Join(TurnContext.Facts, "\n\n").
//
// Replies are varied: each situation has several templates, picked by a
// hash of the message and the turn's time, so that the same input gives the
// same reply (reproducible tests) while consecutive replies differ.
package offline
