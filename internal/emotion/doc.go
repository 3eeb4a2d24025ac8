// Package emotion detects the emotion in a message: the VADER compound
// sentiment (github.com/jonreiter/govader) plus a score from 0 to 1 for each
// of eight emotions — joy, sadness, anger, fear, loneliness, gratitude, love
// and anxiety — from a hand-written lexicon and a few rules.
//
// The rules, in order:
//
//  1. The text is normalised: lower case, curly quotes made straight,
//     contractions expanded ("can't" → "can not", "I'm" → "i am"), letters
//     repeated for emphasis collapsed ("soooo" → "so"), emoji split into
//     words of their own, and punctuation turned into clause breaks.
//  2. Lexicon phrases (lexicon.txt, embedded) are matched word by word; for
//     each emotion the longest phrase at a position wins and its words are
//     not counted twice.
//  3. A negation ("not", "no", "never", "without", "hardly", …) up to three
//     words before a phrase, within the same clause, negates it. A negated
//     joy or well-being word counts towards sadness ("not happy", "not
//     okay"), a negated calm word towards anxiety ("can't relax"); any other
//     negated emotion counts for nothing ("not worried"). "can't stop
//     crying", "can't help …", "can't thank you enough" and "never been so
//     happy" are not negations.
//  4. Intensifiers before a phrase ("so", "very", "really", …) or after it
//     ("so much", "a lot") raise its weight; softeners ("a bit", "kind of")
//     lower it; a word in capitals in a message that is not all capitals,
//     and exclamation marks ending the sentence, raise it a little.
//  5. Each emotion's weights are summed and squashed into 0..1 with
//     1 − e^(−sum). Primary is the highest score at or above [Threshold],
//     or "" when none reaches it (the message is neutral).
//
// The lexicon is small and literal: it misses emotions said without emotion
// words ("I passed my driving test!") and irony. docs/EMOTION.md reports its
// precision and recall on a labelled set (testdata/).
package emotion
