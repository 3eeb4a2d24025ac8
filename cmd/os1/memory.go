package main

import (
	"context"
	"errors"
)

// MemoryCommand is not built yet.
type MemoryCommand struct {
	Env *Env
}

// Run reports that the command is not available yet.
func (c *MemoryCommand) Run(ctx context.Context, args []string) error {
	return errors.New("this command is not available in this build yet")
}
