//go:build race

package iam

// raceEnabled: the race detector makes each step of the snapshot
// differential test several times dearer; under it the test runs as many
// steps as under -short (TestSnapshotConcurrentWrites is the one that
// needs the detector).
const raceEnabled = true
