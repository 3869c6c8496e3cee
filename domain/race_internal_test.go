//go:build race

package domain

// answerCases is how many random values TestAnswerJSONIsMarshal compares:
// fewer under the race detector, which makes each ten times slower (the
// fuzz target and the runs without it cover more).
const answerCases = 2500
