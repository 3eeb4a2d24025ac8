package main

import (
	"context"
	"errors"
)

// CardCommand is not built yet.
type CardCommand struct {
	Env *Env
}

// Run reports that the command is not available yet.
func (c *CardCommand) Run(ctx context.Context, args []string) error {
	return errors.New("this command is not available in this build yet")
}
