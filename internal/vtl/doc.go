// Package vtl parses and evaluates API Gateway mapping templates: the
// Velocity Template Language (1.7) subset API Gateway runs, with its
// $input, $util, $context and $stageVariables references.
//
// Values are Go stand-ins for the Java objects Velocity sees (see
// value.go); methods follow the Java classes (String, Map, List). Every
// evaluation runs under Limits (steps, output, string bytes, #foreach
// iterations, range size), so a template cannot hang or grow without
// bound on a caller's input. Nothing here panics on any template or input
// (FuzzTemplate).
package vtl
