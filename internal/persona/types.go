package persona

import "os1/internal/os1"

// Version, Change and Sources are the stored persona versions (see
// [os1.PersonaVersion]).
type (
	Version = os1.PersonaVersion
	Change  = os1.PersonaChange
	Sources = os1.PersonaSources
)

// Version kinds: what made a persona version.
const (
	KindSeed   = "seed"   // the persona every companion starts with
	KindName   = "name"   // the companion chose its name
	KindGrowth = "growth" // a bounded step after a reflection
	KindRevert = "revert" // the person went back to an earlier version
	KindImport = "import" // a character card was imported
	KindEdit   = "edit"   // the persona was edited
)

// Interview steps, in order. StepName is the name proposal; StepDone means
// the first meeting is over.
const (
	StepAddress = "address"
	StepHopes   = "hopes"
	StepPeople  = "people"
	StepLately  = "lately"
	StepName    = "name"
	StepDone    = "done"
)

// Steps lists the question steps of the interview, in order.
var Steps = []string{StepAddress, StepHopes, StepPeople, StepLately}

// Questions are the interview's questions, by step. Each may be skipped.
var Questions = map[string]string{
	StepAddress: "What would you like me to call you?",
	StepHopes:   "What are you hoping for from our conversations?",
	StepPeople:  "Who matters most in your life right now?",
	StepLately:  "How have you been doing lately?",
}
