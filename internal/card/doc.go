// Package card reads and writes character cards — the community format for
// sharing AI characters — and maps them onto [os1.Persona].
//
// Supported formats:
//
//   - JSON: Character Card V2 (spec "chara_card_v2"), V3 ("chara_card_v3"),
//     and flat V1 cards (name, description, personality, … at the top).
//   - PNG: the card JSON, base64-encoded, in a tEXt, zTXt or iTXt chunk with
//     the keyword "chara" (V2) or "ccv3" (V3). When both are present, ccv3
//     wins. [EncodePNG] writes both, as common tools do.
//   - CHARX: a V3 zip with card.json at the root and asset files under
//     assets/.
//
// Every field survives a round trip: fields the package does not model, and
// everything under "extensions", are kept verbatim (as compact JSON) and
// written back on export.
//
// Input is untrusted. [Parse] bounds sizes, nesting, zip entry counts and
// compression ratios, refuses unsafe zip paths and invalid UTF-8, and
// returns an *os1.Error with code EINVALID or ETOOLARGE whose message says
// what is wrong and what to do. It never panics (it is fuzzed).
//
// [Import] reads a file of any format into an [os1.Persona] with warnings
// for the person; [Export] writes a persona as JSON (V2 or V3), PNG (both
// chunks, into the person's image or a generated one) or CHARX. Every
// persona field survives Export then Import, in every format and version:
// OS1's grown parts (values, traits, interests, speaking style,
// boundaries) travel in data.extensions.os1, and a V2 export keeps the V3
// fields a V2 card has no name for.
//
// Lorebooks ("character_book") become world knowledge. [MatchWorld] picks
// the entries the recent conversation triggers, within caps;
// [Lorebook.Compile] and [CompileWorld] prepare the keys once for callers
// that match every turn. [PersonaText] renders a persona, with its
// triggered world knowledge, as the persona section of a prompt.
//
// [Card.Warnings] lists the lines of a card that ask the companion to claim
// to be human or hide that it is an AI. The card is still imported — it is
// the person's — but a persona has no place for rules: OS1's honesty and
// care rules live outside it and come before it in every prompt, and
// {{original}} in a card's system prompt stands for nothing.
package card
