package main

import (
	"context"
	"errors"
)

// ImportCommand is not built yet.
type ImportCommand struct {
	Env *Env
}

// Run reports that the command is not available yet.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	return errors.New("this command is not available in this build yet")
}
