package memory

import "strings"

// related is a small lexicon of everyday categories and their members, in
// the manner of WordNet's hypernyms: a question about a category ("what
// instruments does she play", "which pets") is also about its members,
// which is how people answer it ("I play the violin"). It is general
// English, independent of any particular conversation.
var related = buildRelated(map[string]string{
	"activity activities hobby hobbies pastime pastimes fun partake": "painting drawing pottery hiking camping swimming running reading cooking baking gardening dancing singing yoga fishing cycling biking surfing skiing photography knitting gaming writing music sport sports volunteering class",
	"instrument instruments":                                          "guitar piano violin clarinet drums flute saxophone cello trumpet ukulele bass harp keyboard",
	"sport sports exercise workout":                                   "soccer football basketball tennis baseball volleyball golf hockey running swimming cycling yoga boxing climbing surfing skiing skating gym",
	"pet pets animal animals":                                         "dog dogs cat cats puppy kitten bird fish hamster rabbit horse turtle",
	"book books author novel novels":                                  "book novel read reading author story library",
	"music musician band bands artist artists concert song songs":     "song band concert album singer music festival playing",
	"food foods eat dish dishes meal meals cook cooking":              "recipe cook bake dinner lunch breakfast meal cake pizza pasta soup bread cookies",
	"family relatives":                                                "husband wife kids children son daughter mom dad mother father sister brother parents grandma grandpa",
	"job career work profession":                                      "job career work office boss company promotion hired",
	"travel trip trips vacation vacations visit visited place places": "trip travel vacation visit beach mountains city country flight abroad road",
	"art artwork artworks craft crafts create created":                "painting drawing sculpture pottery photography art paint",
	"event events": "parade conference festival concert party show meeting workshop class reading fair race fundraiser",
	"destress relax relaxing unwind stress self-care": "relax calm peace peaceful therapy yoga meditation running walk",
	"outdoor outdoors nature":                         "hiking camping beach forest mountains lake park trail",
	"game games":                                      "game games video board play played",
	"friend friends":                                  "friend friends buddy pal",
	"symbol symbols":                                  "symbol symbolize represents means",
})

func buildRelated(src map[string]string) map[string][]string {
	out := map[string][]string{}
	for keys, members := range src {
		var ms []string
		for _, m := range strings.Fields(members) {
			for _, t := range terms(m) {
				ms = append(ms, t)
			}
		}
		for _, k := range strings.Fields(keys) {
			for _, t := range terms(k) {
				out[t] = append(out[t], ms...)
			}
		}
	}
	return out
}
