package archive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"os1/internal/os1"
)

// WriteMarkdown writes a readable rendering of the archive: who, the
// companion, the people, what is remembered (facts with their history,
// reflections, summaries), every conversation, and the extension sections.
func WriteMarkdown(w io.Writer, a *Archive) error {
	bw := bufio.NewWriter(w)
	d := &a.Person
	name := d.User.DisplayName
	if name == "" {
		name = d.User.Name
	}
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("# Everything OS1 holds about %s\n\n", oneLine(name))
	p("Exported %s (archive format %s version %d). The JSON archive beside this file is the complete copy; this is a readable one.\n\n",
		a.ExportedAt.Format("2 January 2006 15:04 MST"), a.Format, a.Version)
	p("- Name: %s\n", oneLine(d.User.Name))
	if d.User.DisplayName != "" {
		p("- Called: %s\n", oneLine(d.User.DisplayName))
	}
	p("- Here since: %s\n", day(d.User.CreatedAt))
	p("- Conversations: %d, messages: %d\n\n", len(d.Conversations), len(d.Messages))

	companion := os1.DefaultCompanionName
	if d.Companion != nil {
		companion = d.Companion.DisplayName()
		p("## Companion\n\n- Name: %s\n", oneLine(companion))
		if strings.TrimSpace(d.Companion.Persona) != "" {
			p("- Persona:\n\n%s\n", quote(d.Companion.Persona))
		}
		p("\n")
	}

	if len(d.People) > 0 {
		p("## People in %s's life\n\n| Name | Relation | First mentioned | Last mentioned | Mentions |\n|---|---|---|---|---|\n", oneLine(name))
		for _, pe := range d.People {
			p("| %s | %s | %s | %s | %d |\n", cell(pe.Name), cell(pe.Relation), day(pe.FirstMentioned), day(pe.LastMentioned), pe.Mentions)
		}
		p("\n")
	}

	if len(d.Facts) > 0 {
		p("## What is remembered\n\n")
		for _, f := range d.Facts {
			if !f.Current() {
				continue
			}
			p("- %s %s%s — said %s%s\n", oneLine(subject(f.Subject)), oneLine(f.Statement), from(f), day(f.SaidAt), origin(f.Origin))
		}
		var retired []*os1.Fact
		for _, f := range d.Facts {
			if !f.Current() {
				retired = append(retired, f)
			}
		}
		if len(retired) > 0 {
			p("\n### No longer true (kept as history)\n\n")
			for _, f := range retired {
				p("- %s %s%s — until %s\n", oneLine(subject(f.Subject)), oneLine(f.Statement), from(f), day(f.HoldsUntil))
			}
		}
		p("\n")
	}

	for _, kind := range []string{os1.KindReflection, os1.KindSummary} {
		var list []*os1.Summary
		for _, s := range d.Summaries {
			if s.Kind == kind {
				list = append(list, s)
			}
		}
		if len(list) == 0 {
			continue
		}
		title := "Reflections"
		if kind == os1.KindSummary {
			title = "Session summaries"
		}
		p("## %s\n\n", title)
		for _, s := range list {
			p("- %s – %s: %s\n", day(s.From), day(s.To), oneLine(s.Text))
		}
		p("\n")
	}

	byConv := map[int64][]*os1.Message{}
	for _, m := range d.Messages {
		byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
	}
	if len(d.Conversations) > 0 {
		p("## Conversations\n\n")
	}
	for _, c := range d.Conversations {
		title := c.Title
		if title == "" {
			title = "Conversation " + day(c.CreatedAt)
		}
		p("### %s\n\n", oneLine(title))
		for _, m := range byConv[c.ID] {
			who := name
			switch m.Role {
			case os1.RoleAssistant:
				who = companion
			case os1.RoleSystem:
				who = "System"
			}
			p("**%s** (%s):\n%s\n\n", oneLine(who), m.CreatedAt.Format("2006-01-02 15:04"), quote(m.Content))
		}
	}

	if len(a.Extensions) > 0 {
		var names []string
		for n := range a.Extensions {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var buf bytes.Buffer
			if err := json.Indent(&buf, a.Extensions[n], "", "  "); err != nil {
				buf.Reset()
				buf.Write(a.Extensions[n])
			}
			p("## %s\n\n```json\n%s\n```\n\n", oneLine(n), strings.ReplaceAll(buf.String(), "```", "` ` `"))
		}
	}
	return bw.Flush()
}

func subject(s string) string {
	if s == "user" {
		return "You"
	}
	return s
}

func from(f *os1.Fact) string {
	if f.HoldsFrom.IsZero() {
		return ""
	}
	return " (since " + day(f.HoldsFrom) + ")"
}

func origin(o string) string {
	switch o {
	case "edit":
		return ", corrected by you"
	case "model":
		return ", noted by the model"
	}
	return ""
}

func day(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.Format("2 January 2006")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", "\\|") }

// quote renders text as a Markdown block quote.
func quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}
