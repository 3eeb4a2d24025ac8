package memory

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeRef is a time the text refers to.
type TimeRef struct {
	From, To time.Time // the span [From, To)
	// AnyYear is set when only a month was named ("in May"): the span is in
	// the latest such month not after the reference time, but the month of
	// any year matches.
	AnyYear bool
	Month   time.Month // with AnyYear
	Text    string     // the expression as written
}

// Query kinds found by ParseQueryTime.
type timeQuestion struct {
	When     bool     // asks when something happened ("when did…", "what date", "how long ago")
	Ref      *TimeRef // the span the query names, if any
	Stripped string   // the query without the time expression
}

var months = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
	"june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
	"october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var weekdays = map[string]time.Weekday{
	"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
}

const monthRe = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`

var (
	reMonthYear  = regexp.MustCompile(`\b(?:in |during |of |on )?(?:(\d{1,2})(?:st|nd|rd|th)? )?` + monthRe + `\.?,? (\d{4})\b`)
	reMonthDay   = regexp.MustCompile(`\b(?:on )?` + monthRe + `\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?\b`)
	reMonth      = regexp.MustCompile(`\b(?:in|during|since|early|late|mid|of|last|this|next)[ -]` + monthRe + `\b`)
	reYear       = regexp.MustCompile(`\b(?:in |during |since |of )(19\d\d|20\d\d)\b`)
	reRelative   = regexp.MustCompile(`\b(yesterday|today|tonight|this morning|last night|the day before yesterday|(?:last|this|past|previous|next) (?:week|weekend|month|year|summer|winter|spring|fall|autumn)|(?:a|one|two|three|four|five|six|\d+) (?:days?|weeks?|months?|years?) ago|(?:last|this|next) (?:sunday|monday|tuesday|wednesday|thursday|friday|saturday))\b`)
	reWhen       = regexp.MustCompile(`^\s*(when\b|what (?:date|day|time|year|month)\b|how long ago\b|how long has\b|how long have\b|since when\b|which (?:year|month|day)\b|in which (?:year|month)\b)`)
	numberWords  = map[string]int{"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
	seasonMonths = map[string]time.Month{"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
)

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// parseTimeQuestion finds whether text asks "when" and which span it names,
// counting relative expressions from now.
func parseTimeQuestion(text string, now time.Time) timeQuestion {
	low := strings.ToLower(text)
	q := timeQuestion{When: reWhen.MatchString(low), Stripped: text}
	if ref := findTimeRef(low, now); ref != nil {
		q.Ref = ref
		q.Stripped = strings.Replace(low, ref.Text, " ", 1)
	}
	return q
}

// findTimeRef returns the first time expression in lower-case text, as a
// span, counting relative expressions from ref.
func findTimeRef(low string, ref time.Time) *TimeRef {
	if !mayHaveTime(low) {
		return nil
	}
	loc := ref.Location()
	if m := reMonthYear.FindStringSubmatch(low); m != nil {
		y, _ := strconv.Atoi(m[3])
		mon := months[m[2]]
		if m[1] != "" {
			d, _ := strconv.Atoi(m[1])
			from := time.Date(y, mon, d, 0, 0, 0, 0, loc)
			return &TimeRef{From: from, To: from.AddDate(0, 0, 1), Text: m[0]}
		}
		from := time.Date(y, mon, 1, 0, 0, 0, 0, loc)
		return &TimeRef{From: from, To: from.AddDate(0, 1, 0), Text: m[0]}
	}
	if m := reMonthDay.FindStringSubmatch(low); m != nil {
		d, _ := strconv.Atoi(m[2])
		if d >= 1 && d <= 31 {
			mon := months[m[1]]
			y := ref.Year()
			if m[3] != "" {
				y, _ = strconv.Atoi(m[3])
			} else if time.Date(y, mon, d, 0, 0, 0, 0, loc).After(ref) {
				y--
			}
			from := time.Date(y, mon, d, 0, 0, 0, 0, loc)
			return &TimeRef{From: from, To: from.AddDate(0, 0, 1), Text: m[0], AnyYear: m[3] == "", Month: mon}
		}
	}
	if m := reRelative.FindStringSubmatch(low); m != nil {
		return relativeRef(m[1], ref)
	}
	if m := reMonth.FindStringSubmatch(low); m != nil {
		mon := months[m[1]]
		y := ref.Year()
		if mon > ref.Month() {
			y--
		}
		from := time.Date(y, mon, 1, 0, 0, 0, 0, loc)
		return &TimeRef{From: from, To: from.AddDate(0, 1, 0), AnyYear: true, Month: mon, Text: m[0]}
	}
	if m := reYear.FindStringSubmatch(low); m != nil {
		y, _ := strconv.Atoi(m[1])
		from := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return &TimeRef{From: from, To: from.AddDate(1, 0, 0), Text: m[0]}
	}
	return nil
}

// relativeRef turns a relative expression into a span before ref.
func relativeRef(expr string, ref time.Time) *TimeRef {
	day := startOfDay(ref)
	r := &TimeRef{Text: expr}
	f := strings.Fields(expr)
	switch {
	case expr == "today" || expr == "tonight" || expr == "this morning":
		r.From, r.To = day, day.AddDate(0, 0, 1)
	case expr == "yesterday" || expr == "last night":
		r.From, r.To = day.AddDate(0, 0, -1), day
	case expr == "the day before yesterday":
		r.From, r.To = day.AddDate(0, 0, -2), day.AddDate(0, 0, -1)
	case f[len(f)-1] == "ago":
		n, ok := numberWords[f[0]]
		if !ok {
			n, _ = strconv.Atoi(f[0])
		}
		unit := strings.TrimSuffix(f[1], "s")
		switch unit {
		case "day":
			r.From = day.AddDate(0, 0, -n)
			r.To = r.From.AddDate(0, 0, 1)
		case "week":
			r.From = day.AddDate(0, 0, -7*n-3)
			r.To = r.From.AddDate(0, 0, 7)
		case "month":
			r.From = day.AddDate(0, -n, -15)
			r.To = r.From.AddDate(0, 1, 0)
		case "year":
			r.From = day.AddDate(-n, -6, 0)
			r.To = r.From.AddDate(1, 0, 0)
		}
	default:
		which, unit := f[0], f[1]
		dir := 0
		switch which {
		case "last", "past", "previous":
			dir = -1
		case "next":
			dir = 1
		}
		if wd, ok := weekdays[unit]; ok {
			delta := int(wd) - int(day.Weekday())
			if dir < 0 && delta >= 0 {
				delta -= 7
			} else if dir > 0 && delta <= 0 {
				delta += 7
			}
			r.From = day.AddDate(0, 0, delta)
			r.To = r.From.AddDate(0, 0, 1)
			break
		}
		switch unit {
		case "week":
			start := day.AddDate(0, 0, -int((day.Weekday()+6)%7)) // Monday
			r.From = start.AddDate(0, 0, 7*dir)
			r.To = r.From.AddDate(0, 0, 7)
		case "weekend":
			sat := day.AddDate(0, 0, -int((day.Weekday()+1)%7)) // the latest Saturday on or before day
			inWeekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
			switch {
			case dir < 0 && inWeekend:
				sat = sat.AddDate(0, 0, -7)
			case dir == 0 && !inWeekend, dir > 0 && !inWeekend:
				sat = sat.AddDate(0, 0, 7)
			case dir > 0:
				sat = sat.AddDate(0, 0, 7)
			}
			r.From, r.To = sat, sat.AddDate(0, 0, 2)
		case "month":
			first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
			r.From = first.AddDate(0, dir, 0)
			r.To = r.From.AddDate(0, 1, 0)
		case "year":
			first := time.Date(day.Year(), 1, 1, 0, 0, 0, 0, day.Location())
			r.From = first.AddDate(dir, 0, 0)
			r.To = r.From.AddDate(1, 0, 0)
		default: // a season
			m := seasonMonths[unit]
			y := day.Year()
			if dir < 0 || dir == 0 && m > day.Month() {
				y--
			}
			if dir > 0 && m <= day.Month() {
				y++
			}
			r.From = time.Date(y, m, 1, 0, 0, 0, 0, day.Location())
			r.To = r.From.AddDate(0, 3, 0)
		}
	}
	if r.From.IsZero() {
		return nil
	}
	return r
}

// timeHints are substrings without which no time expression matches.
var timeHints = []string{"ago", "yesterday", "today", "tonight", "morning", "night", "last ", "this ", "next ", "past ", "previous ",
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", " 19", " 20"}

// mayHaveTime is a fast test that rules out most texts without a time
// expression before the regular expressions run.
func mayHaveTime(low string) bool {
	for _, h := range timeHints {
		if strings.Contains(low, h) {
			return true
		}
	}
	return false
}
