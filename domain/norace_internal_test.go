//go:build !race

package domain

const answerCases = 20000
