// Package memory is OS1's long-term memory of each person.
//
// Every message is indexed (an in-process BM25 index per person, beside
// SQLite's FTS5 copy in the store) with its date and session. Facts about
// the person and the people, places, plans and things in their life are
// drawn from what they say — by deterministic rules offline, and by the
// model in the background when one is connected — each with the turns it
// came from; a fact that contradicts an older one retires it (the history
// stays) and duplicates merge. The people of their life are kept with
// their relation and when they were last mentioned. Once enough has been
// said, a background job (persisted, run once) summarises sessions and
// draws reflections.
//
// [Service.Recall] is the one recall used by the conversation engine, the
// API and the benchmark (package bench): candidates from turns, facts,
// summaries and reflections, vectors too when an embedder is given,
// questions about time ("last week", "in May", "when did…") matched
// against the dated history, scored by relevance, recency and importance,
// de-duplicated, each result with its source turns. [Service.List],
// [Service.Show], [Service.EditFact], [Service.Forget] and
// [Service.ForgetConversation] give the person control over all of it.
package memory
