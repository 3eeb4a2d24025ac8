package sqlite_test

import (
	"context"
	"testing"

	"os1/internal/os1"
)

func TestRecordGuardScopedToThePerson(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	a, b := MustUser(t, db, "amy"), MustUser(t, db, "ben")
	conv := &os1.Conversation{}
	if err := db.CreateConversation(ctx, a.ID, conv); err != nil {
		t.Fatal(err)
	}
	reply := &os1.Message{ConversationID: conv.ID, UserID: a.ID, Role: os1.RoleAssistant, Content: "Call 988."}
	if err := db.AddMessage(ctx, reply); err != nil {
		t.Fatal(err)
	}
	// Ben cannot mark Amy's reply or log events on it.
	if err := db.RecordGuard(ctx, b.ID, conv.ID, reply.ID, "crisis", []string{"crisis:suicide"}, ""); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("other person's reply: %v", err)
	}
	if err := db.RecordGuard(ctx, a.ID, conv.ID, reply.ID, "crisis", []string{"crisis:suicide", "added:crisis-resources"}, "mock"); err != nil {
		t.Fatal(err)
	}
	m, err := db.FindMessage(ctx, a.ID, reply.ID)
	if err != nil || m.Guard != "crisis" {
		t.Fatalf("reply = %+v, %v", m, err)
	}
	evs, err := db.GuardEvents(ctx, a.ID, 0)
	if err != nil || len(evs) != 2 || evs[0].Kind != "added:crisis-resources" || evs[1].MessageID != reply.ID {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	if evs, err := db.GuardEvents(ctx, b.ID, 0); err != nil || len(evs) != 0 {
		t.Fatalf("ben sees %+v, %v", evs, err)
	}
	// An empty marker keeps the one set.
	if err := db.RecordGuard(ctx, a.ID, conv.ID, reply.ID, "", []string{"identity"}, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.FindMessage(ctx, a.ID, reply.ID); m.Guard != "crisis" {
		t.Fatalf("guard = %q", m.Guard)
	}
}
