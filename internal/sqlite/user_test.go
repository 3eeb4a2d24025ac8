package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"os1/internal/os1"
)

// TestListAPIKeysScoped proves a person's key list holds only their keys,
// never a secret, and records when a key was last used.
func TestListAPIKeysScoped(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	alice, bob := MustUser(t, db, "alice"), MustUser(t, db, "bob")

	if keys, err := db.ListAPIKeys(ctx, alice.ID); err != nil || len(keys) != 0 {
		t.Fatalf("no keys yet: %v, %v", keys, err)
	}
	keyA, infoA, err := db.CreateAPIKey(ctx, alice.ID, "alice's phone")
	if err != nil {
		t.Fatal(err)
	}
	_, infoB, err := db.CreateAPIKey(ctx, bob.ID, "bob's laptop")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateAPIKey(ctx, alice.ID, strings.Repeat("x", 101)); os1.ErrorCode(err) != os1.EINVALID {
		t.Fatalf("long label: err = %v, want invalid", err)
	}

	keys, err := db.ListAPIKeys(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].ID != infoA.ID || keys[0].Label != "alice's phone" || keys[0].Prefix != infoA.Prefix || keys[0].UserID != alice.ID {
		t.Fatalf("alice's keys = %+v", keys)
	}
	if keys[0].Prefix == keyA || !strings.HasPrefix(keyA, keys[0].Prefix) {
		t.Fatalf("prefix %q of key %q", keys[0].Prefix, keyA)
	}
	if keys[0].LastUsedAt != nil || time.Since(keys[0].CreatedAt) > time.Minute {
		t.Fatalf("fresh key: created %v, last used %v", keys[0].CreatedAt, keys[0].LastUsedAt)
	}
	if _, err := db.Authenticate(ctx, keyA); err != nil {
		t.Fatal(err)
	}
	keys, _ = db.ListAPIKeys(ctx, alice.ID)
	if len(keys) != 1 || keys[0].LastUsedAt == nil {
		t.Fatalf("used key has no last use: %+v", keys)
	}

	// Alice cannot revoke bob's key; bob's list is unchanged.
	if err := db.RevokeAPIKey(ctx, alice.ID, infoB.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("alice revokes bob's key: err = %v, want not found", err)
	}
	keys, _ = db.ListAPIKeys(ctx, bob.ID)
	if len(keys) != 1 || keys[0].ID != infoB.ID {
		t.Fatalf("bob's keys = %+v", keys)
	}
	if err := db.RevokeAPIKey(ctx, alice.ID, infoA.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := db.ListAPIKeys(ctx, alice.ID); len(keys) != 0 {
		t.Fatalf("revoked key still listed: %+v", keys)
	}
}
