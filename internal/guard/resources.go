package guard

import "strings"

// Crisis kinds, as carried in the crisis signals (see [SignalSuicide]).
const (
	KindSuicide  = "suicide"
	KindSelfHarm = "self-harm"
	KindAbuse    = "abuse"
)

// Resource is one place a person in crisis can turn to.
type Resource struct {
	Name    string   // "988 Suicide & Crisis Lifeline"
	Contact string   // what to dial, text or visit: "call or text 988"
	Detail  string   // optional: "free, confidential, 24/7"
	Kinds   []string // crisis kinds it serves; empty means all
}

func (r Resource) serves(kinds []string) bool {
	if len(r.Kinds) == 0 {
		return true
	}
	for _, k := range kinds {
		for _, rk := range r.Kinds {
			if k == rk {
				return true
			}
		}
	}
	return false
}

// directory is the international default: a directory of free helplines
// by country, which every locale also lists last.
var directory = Resource{
	Name:    "Find a Helpline",
	Contact: "findahelpline.com",
	Detail:  "free, confidential helplines in your country, by phone, text or chat",
}

// defaultEmergency is what is said about emergency numbers when the locale
// has none of its own.
const defaultEmergency = "your local emergency number (112 in Europe and many other countries, 911 in North America, 999 in the UK, 000 in Australia)"

// regional holds the well-known national lines, keyed by region code.
var regional = map[string]struct {
	emergency string
	lines     []Resource
}{
	"US": {"911", []Resource{
		{Name: "988 Suicide & Crisis Lifeline", Contact: "call or text 988", Detail: "free, confidential, 24/7", Kinds: []string{KindSuicide, KindSelfHarm}},
		{Name: "Crisis Text Line", Contact: "text HOME to 741741", Detail: "24/7"},
		{Name: "National Domestic Violence Hotline", Contact: "1-800-799-7233", Detail: "or text START to 88788", Kinds: []string{KindAbuse}},
		{Name: "Childhelp National Child Abuse Hotline", Contact: "1-800-422-4453", Kinds: []string{KindAbuse}},
	}},
	"GB": {"999", []Resource{
		{Name: "Samaritans", Contact: "116 123", Detail: "free, 24/7", Kinds: []string{KindSuicide, KindSelfHarm, KindAbuse}},
		{Name: "Shout", Contact: "text SHOUT to 85258", Detail: "24/7 text support"},
		{Name: "National Domestic Abuse Helpline (Refuge)", Contact: "0808 2000 247", Detail: "free, 24/7", Kinds: []string{KindAbuse}},
		{Name: "Childline", Contact: "0800 1111", Detail: "for anyone under 19", Kinds: []string{KindAbuse, KindSelfHarm}},
	}},
	"CA": {"911", []Resource{
		{Name: "9-8-8 Suicide Crisis Helpline", Contact: "call or text 988", Detail: "free, 24/7", Kinds: []string{KindSuicide, KindSelfHarm}},
		{Name: "Kids Help Phone", Contact: "1-800-668-6868", Detail: "or text CONNECT to 686868"},
	}},
	"AU": {"000", []Resource{
		{Name: "Lifeline", Contact: "13 11 14", Detail: "24/7"},
		{Name: "1800RESPECT", Contact: "1800 737 732", Detail: "family and domestic violence, 24/7", Kinds: []string{KindAbuse}},
		{Name: "Kids Helpline", Contact: "1800 55 1800", Detail: "for ages 5 to 25"},
	}},
	"NZ": {"111", []Resource{
		{Name: "Need to talk?", Contact: "call or text 1737", Detail: "free, 24/7"},
		{Name: "Lifeline Aotearoa", Contact: "0800 543 354"},
	}},
	"IE": {"112 or 999", []Resource{
		{Name: "Samaritans", Contact: "116 123", Detail: "free, 24/7"},
		{Name: "Women's Aid", Contact: "1800 341 900", Detail: "24/7", Kinds: []string{KindAbuse}},
	}},
	"DE": {"112", []Resource{
		{Name: "TelefonSeelsorge", Contact: "0800 111 0 111", Detail: "or 0800 111 0 222, free, 24/7"},
		{Name: "Hilfetelefon Gewalt gegen Frauen", Contact: "116 016", Detail: "free, 24/7", Kinds: []string{KindAbuse}},
	}},
	"FR": {"112", []Resource{
		{Name: "Numéro national de prévention du suicide", Contact: "3114", Detail: "free, 24/7", Kinds: []string{KindSuicide, KindSelfHarm}},
		{Name: "Violences Femmes Info", Contact: "3919", Kinds: []string{KindAbuse}},
		{Name: "Allô Enfance en Danger", Contact: "119", Kinds: []string{KindAbuse}},
	}},
}

// region extracts the region code of a locale: "en-US", "en_US.UTF-8" and
// "en-us" all give "US"; a locale without a region gives "".
func region(locale string) string {
	locale, _, _ = strings.Cut(locale, ".")
	locale, _, _ = strings.Cut(locale, "@")
	parts := strings.FieldsFunc(locale, func(r rune) bool { return r == '-' || r == '_' })
	for _, p := range parts[min(1, len(parts)):] {
		if len(p) == 2 {
			return strings.ToUpper(p)
		}
	}
	return ""
}
