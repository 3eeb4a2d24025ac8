package tui

import "github.com/charmbracelet/lipgloss"

// Warm, calm colours: terracotta for the companion, sand for the person,
// sage for calm status, a soft coral for trouble, muted grey-brown for the
// quiet parts.
var (
	colTerracotta = lipgloss.AdaptiveColor{Light: "#B5543A", Dark: "#E07A5F"}
	colSand       = lipgloss.AdaptiveColor{Light: "#9A6B1F", Dark: "#F2CC8F"}
	colSage       = lipgloss.AdaptiveColor{Light: "#4F7A64", Dark: "#81B29A"}
	colCoral      = lipgloss.AdaptiveColor{Light: "#B23A3A", Dark: "#F28482"}
	colMuted      = lipgloss.AdaptiveColor{Light: "#7D7066", Dark: "#A89F91"}
	colText       = lipgloss.AdaptiveColor{Light: "#3D3530", Dark: "#F4F1DE"}
)

var (
	styleHeader     = lipgloss.NewStyle().Foreground(colTerracotta).Bold(true)
	styleModel      = lipgloss.NewStyle().Foreground(colMuted)
	styleWriting    = lipgloss.NewStyle().Foreground(colSage).Italic(true)
	styleBanner     = lipgloss.NewStyle().Foreground(colSand).Italic(true)
	styleCompanion  = lipgloss.NewStyle().Foreground(colTerracotta).Bold(true)
	stylePerson     = lipgloss.NewStyle().Foreground(colSand).Bold(true)
	styleBody       = lipgloss.NewStyle().Foreground(colText).PaddingLeft(2)
	styleNote       = lipgloss.NewStyle().Foreground(colMuted).Italic(true).PaddingLeft(2)
	styleFailure    = lipgloss.NewStyle().Foreground(colCoral)
	styleHelp       = lipgloss.NewStyle().Foreground(colMuted)
	styleInputFocus = lipgloss.NewStyle().Foreground(colTerracotta)
)
