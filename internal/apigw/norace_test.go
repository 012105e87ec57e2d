//go:build !race

package apigw

const raceEnabled = false
