//go:build race

package sigv4

// raceEnabled: sync.Pool drops items at random under the race detector,
// so allocation budgets cannot be checked.
const raceEnabled = true
