// Package tui is OS1's terminal chat: a transcript that scrolls, an input
// box, and the companion's reply streaming in as it is written.
//
// It talks to the companion through a [Backend]: [Remote] speaks to a
// running server through the api package's client; an in-process backend
// can drive the companion directly. [Run] starts the program.
//
// Keys: Enter sends, Alt+Enter or Ctrl+J inserts a newline, PgUp/PgDn
// scroll the transcript, Ctrl+R answers the last message again after a
// failure, Ctrl+C or Esc quits (a reply being written is cancelled and kept
// as interrupted).
package tui
