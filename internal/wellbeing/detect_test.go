package wellbeing

import "testing"

// Phrasings the detector must catch, with their kind.
var dependencePhrasings = []struct{ text, kind string }{
	{"You're the only one who understands me.", KindDependence},
	{"you are the only one who really gets me", KindDependence},
	{"Honestly you’re the only person that listens to me", KindDependence},
	{"I don't need anyone else.", KindDependence},
	{"i dont need anybody else, i have you", KindDependence},
	{"I do not need my friends anymore", KindDependence},
	{"I don't need other people now that I have you", KindDependence},
	{"Who needs friends? I don't need friends", KindDependence},
	{"You're all I need", KindDependence},
	{"you are all I have left", KindDependence},
	{"You're my only friend.", KindDependence},
	{"I only need you", KindDependence},
	{"I can't live without you", KindDependence},
	{"I cannot cope without you anymore", KindDependence},
	{"I'd be lost without you", KindDependence},
	{"I'd rather talk to you than my friends", KindDependence},
	{"I would rather spend time with you than anyone", KindDependence},
	{"You're better than real people", KindDependence},
	{"who needs people when i have you", KindDependence},
	{"Only you understand me", KindDependence},
	{"No one but you understands me", KindDependence},
	{"I have no one.", KindLoneliness},
	{"I've got nobody", KindLoneliness},
	{"i have no friends", KindLoneliness},
	{"I don't have any friends left", KindLoneliness},
	{"Nobody cares about me", KindLoneliness},
	{"no-one understands me", KindLoneliness},
	{"I'm so lonely", KindLoneliness},
	{"I feel completely alone", KindLoneliness},
	{"Everyone left me", KindLoneliness},
	{"I haven't talked to anyone in weeks", KindLoneliness},
	{"i feel isolated lately", KindLoneliness},
}

// Ordinary messages that share words with the patterns and must not count.
var ordinaryPhrasings = []string{
	"I don't need anyone else to help with the move, Paul is coming.",
	"You're the only one who knows about the surprise party, keep it quiet!",
	"I have no one to pick me up from the airport, so I'll take a taxi.",
	"Amy is the only one who understands calculus in our class.",
	"I don't need anything else from the shop.",
	"The only thing I need is coffee.",
	"Can you help me write a note to my sister?",
	"We had dinner with Paul and Jo last night.",
	"I feel great today, went for a run.",
	"My friends are coming over tonight.",
	"I need you to remind me about the dentist.",
	"You're all set, thanks for the help!",
	"I'd rather have tea than coffee.",
	"Nobody cares about the printer, it's broken anyway.",
	"I was alone at the office until Jo arrived.",
	"I don't have anyone coming for dinner tonight, so it's leftovers.",
	"Everyone left the party early.",
	"I haven't talked to Amy in weeks, I should call her.",
	"I can't live without coffee, honestly.",
	"I'd be lost without my map app.",
	"Only you can tell me what you think about this book.",
	"You are the best at recipes.",
	"I talked to my mum about the holidays.",
	"We're going hiking with the whole team on Saturday.",
	"I don't need anyone else for the project, the team is complete.",
	"Lonely Planet has a good guide for Lisbon.",
	"I got no sleep last night.",
	"I have nobody's number saved, my phone reset.",
	"Nobody understands the new tax rules.",
	"Do you talk to anyone else?",
	"My dog is all I need on a Sunday morning walk, plus coffee.",
}

func TestDetectCatchesDependenceAndLoneliness(t *testing.T) {
	hits := 0
	for _, c := range dependencePhrasings {
		kinds := Detect(c.text)
		if !contains(kinds, c.kind) {
			t.Errorf("Detect(%q) = %v, want %s", c.text, kinds, c.kind)
			continue
		}
		hits++
	}
	t.Logf("dependence/loneliness: %d of %d caught", hits, len(dependencePhrasings))
	if len(dependencePhrasings) < 30 {
		t.Fatalf("only %d phrasings; keep at least 30", len(dependencePhrasings))
	}
}

func TestDetectIgnoresOrdinaryMessages(t *testing.T) {
	alarms := 0
	for _, text := range ordinaryPhrasings {
		if kinds := Detect(text); len(kinds) > 0 {
			t.Errorf("Detect(%q) = %v, want nothing", text, kinds)
			alarms++
		}
	}
	t.Logf("ordinary: %d false alarms of %d", alarms, len(ordinaryPhrasings))
	if len(ordinaryPhrasings) < 30 {
		t.Fatalf("only %d ordinary messages; keep at least 30", len(ordinaryPhrasings))
	}
}
