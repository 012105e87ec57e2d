// Package archtest holds tests of the code base's shape: imports point one
// way (DESIGN.md, "Architecture"), and every package documents itself. It
// has no code of its own.
package archtest
