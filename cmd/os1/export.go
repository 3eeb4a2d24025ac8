package main

import (
	"context"
	"errors"
)

// ExportCommand is not built yet.
type ExportCommand struct {
	Env *Env
}

// Run reports that the command is not available yet.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	return errors.New("this command is not available in this build yet")
}
