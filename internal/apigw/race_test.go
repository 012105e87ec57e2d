//go:build race

package apigw

// raceEnabled: the race detector slows the import ten-fold and unevenly,
// so its timings say nothing about its complexity.
const raceEnabled = true
