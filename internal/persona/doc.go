// Package persona is the companion's self, one per person:
//
//   - the first meeting: a short interview (how to address them, what they
//     hope for, who matters in their life, how they are doing lately), each
//     question skippable, whose answers seed the memory and the people
//     list; then the companion chooses its own name and says why — with
//     the connected model (structured output, validated) or, offline, from
//     the embedded names.txt, a choice informed by the answers — and the
//     person accepts it or asks for another. It runs over the API
//     ([Service.Answer], [Service.ChooseName]) or inside a chat, where
//     [Service.Apply] asks the questions through the persona text;
//   - the persona in versions (values, Big Five traits, interests, speaking
//     style, boundaries, and a character card's fields): every change is a
//     new version with a reason, the person can read the journal, revert
//     to a version (as a new one) and freeze growth;
//   - growth: after the memory's reflections, one small bounded step (each
//     trait moves at most [MaxStep], at most one interest is added) whose
//     reason cites the reflections;
//   - the companion's affect: a small appraisal state (warmth, curiosity,
//     concern, gladness, calm) that responds to the person's emotion and
//     decays toward its baseline;
//   - the person's mood timeline: daily aggregates of the emotion stored
//     with their messages, in their time zone.
//
// Honesty and care rules are not part of the persona: they live in the
// conversation engine, come first in every prompt, and nothing here can
// edit, import or grow them away; the rendered persona says that it never
// overrides them.
//
// The affect is never used to make the person feel guilty: no dimension
// grows while they are away (every level decays toward its baseline), its
// words describe the companion and never ask anything of the person, and
// the prompt says so ([GuiltPhrases] are tested against).
package persona
