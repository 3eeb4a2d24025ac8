package card_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"os1/internal/card"
	"os1/internal/os1"
)

// keeperWorld is keeper_v3.json's lorebook: 1 lighthouse (order 20),
// 2 Dolly (selective, any of radio/called/heard; 40), 3 storm (selective,
// none of drill/practice; 30), 4 Morse (case-sensitive; 50), 5 constant
// (10), 6 disabled; scan_depth 3.
func keeperWorld(t *testing.T) *os1.World {
	t.Helper()
	w := importFile(t, "keeper_v3.json").Persona.World
	if w == nil || len(w.Entries) != 6 {
		t.Fatalf("keeper world %+v", w)
	}
	return w
}

// ids maps MatchWorld's contents back to entry ids, for readable checks.
func ids(w *os1.World, contents []string) []string {
	out := []string{}
	for _, c := range contents {
		for _, e := range w.Entries {
			if e.Content == c {
				out = append(out, e.ID)
			}
		}
	}
	return out
}

func TestMatchWorld(t *testing.T) {
	w := keeperWorld(t)
	cases := []struct {
		name  string
		texts []string
		want  []string
	}{
		{"nothing but the constant entry", []string{"Hello, how are you?"}, []string{"5"}},
		{"case-insensitive key", []string{"The LIGHTHOUSE looked lovely tonight"}, []string{"5", "1"}},
		{"multi-word key", []string{"is the light on?"}, []string{"5", "1"}},
		{"selective without a secondary key", []string{"I saw the Dolly in the harbour"}, []string{"5"}},
		{"selective with a secondary key", []string{"I heard the dolly on the radio"}, []string{"5", "2"}},
		{"secondary key in another message", []string{"the trawler again", "Ken called"}, []string{"5", "2"}},
		{"NOT_ANY logic: no secondary", []string{"a storm is coming"}, []string{"5", "3"}},
		{"NOT_ANY logic: a secondary key blocks", []string{"only a storm drill today"}, []string{"5"}},
		{"case-sensitive key, wrong case", []string{"do you know morse code?"}, []string{"5"}},
		{"case-sensitive key, right case", []string{"do you know Morse code?"}, []string{"5", "4"}},
		{"disabled entry", []string{"tell me about your husband Harold"}, []string{"5"}},
		{"insertion order", []string{"Morse, a storm, the lamp"}, []string{"5", "1", "3", "4"}},
		{"scan depth 3 forgets older texts", []string{"the lighthouse", "one", "two", "three"}, []string{"5"}},
		{"scan depth 3 keeps recent texts", []string{"zero", "the lighthouse", "two", "three"}, []string{"5", "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(w, card.MatchWorld(w, tc.texts)); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("entries %v, want %v", got, tc.want)
			}
		})
	}
	if card.MatchWorld(nil, []string{"x"}) != nil {
		t.Fatal("nil world matched")
	}
}

func TestMatchWorldSelectiveLogic(t *testing.T) {
	entry := func(logic int) os1.World {
		return os1.World{Entries: []os1.WorldEntry{{ID: "e", Keys: []string{"cake"}, SecondaryKeys: []string{"lemon", "cream"},
			Content: "the cake", Enabled: true, Selective: true,
			Extensions: map[string]json.RawMessage{"selectiveLogic": json.RawMessage(string(rune('0' + logic)))}}}}
	}
	cases := []struct {
		logic int
		text  string
		want  bool
	}{
		{card.LogicAndAny, "cake with lemon", true},
		{card.LogicAndAny, "plain cake", false},
		{card.LogicAndAll, "cake with lemon", false},
		{card.LogicAndAll, "cake with lemon and cream", true},
		{card.LogicNotAll, "cake with lemon", true},
		{card.LogicNotAll, "cake with lemon and cream", false},
		{card.LogicNotAny, "plain cake", true},
		{card.LogicNotAny, "cake with cream", false},
	}
	for _, tc := range cases {
		w := entry(tc.logic)
		if got := len(card.MatchWorld(&w, []string{tc.text})) == 1; got != tc.want {
			t.Errorf("logic %d, %q: matched %v, want %v", tc.logic, tc.text, got, tc.want)
		}
	}
}

func TestMatchWorldRegexKeys(t *testing.T) {
	w := importFile(t, "traveller_v3.json").Persona.World
	if got := ids(w, card.MatchWorld(w, []string{"Did you cross at VALLÈRE?"})); !reflect.DeepEqual(got, []string{"vallere"}) {
		t.Errorf("regex /i key: %v", got)
	}
	if got := ids(w, card.MatchWorld(w, []string{"two goats by the ford"})); !reflect.DeepEqual(got, []string{"7"}) {
		t.Errorf("regex key with a secondary key: %v", got)
	}
	if got := ids(w, card.MatchWorld(w, []string{"a map", "MAP"})); !reflect.DeepEqual(got, []string{"8"}) {
		t.Errorf("case-sensitive plain key: %v", got)
	}
}

func TestMatchWorldCaps(t *testing.T) {
	var w os1.World
	for i := range 40 {
		w.Entries = append(w.Entries, os1.WorldEntry{Content: "fact " + strings.Repeat("x", i), Enabled: true, Constant: true, InsertionOrder: 40 - i})
	}
	got := card.MatchWorld(&w, nil)
	if len(got) != card.MaxWorldEntries {
		t.Fatalf("%d entries, want the cap %d", len(got), card.MaxWorldEntries)
	}
	// Kept: the 16 with the lowest insertion_order (entries 39…24), in that order.
	if got[0] != w.Entries[39].Content || got[len(got)-1] != w.Entries[24].Content {
		t.Fatalf("kept %q … %q", got[0], got[len(got)-1])
	}
	var big os1.World
	for range 10 {
		big.Entries = append(big.Entries, os1.WorldEntry{Keys: []string{"sea"}, Content: strings.Repeat("wave ", 400), Enabled: true})
	}
	total := 0
	for _, c := range card.MatchWorld(&big, []string{"the sea"}) {
		total += len(c)
	}
	if total == 0 || total > card.MaxWorldChars {
		t.Fatalf("%d characters of world knowledge, cap %d", total, card.MaxWorldChars)
	}
	// The lorebook's own token budget applies too (400 tokens ≈ 1600 characters).
	budget := 100
	big.TokenBudget = &budget
	if got := card.MatchWorld(&big, []string{"the sea"}); len(got) != 0 {
		t.Fatalf("entries of 500 tokens fit a budget of 100: %d", len(got))
	}
}

func TestEntryWithoutEnabledIsEnabled(t *testing.T) {
	im, err := card.Import([]byte(`{"spec":"chara_card_v2","data":{"name":"x","character_book":{"entries":[
		{"keys":["owl"],"content":"owls","insertion_order":0},
		{"keys":["owl"],"content":"hidden owls","insertion_order":1,"enabled":false}]}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := card.MatchWorld(im.Persona.World, []string{"an owl"}); !reflect.DeepEqual(got, []string{"owls"}) {
		t.Fatalf("matched %q", got)
	}
}
