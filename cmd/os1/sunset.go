package main

import (
	"context"
	"errors"
)

// SunsetCommand is not built yet.
type SunsetCommand struct {
	Env *Env
}

// Run reports that the command is not available yet.
func (c *SunsetCommand) Run(ctx context.Context, args []string) error {
	return errors.New("this command is not available in this build yet")
}
