// Package arn builds, parses, formats and wildcard-matches Amazon Resource
// Names.
//
// It is the one place in gatehouse that knows the shape
// arn:partition:service:region:account-id:resource: every ARN gatehouse
// issues comes from a typed constructor here (User, Role, AssumedRole,
// Function, ExecuteAPIStage.Method, ...), every ARN it takes apart goes
// through Parse, ParseIAM, ParseFunctionName or Fields, and package
// policy matches Resource elements and Arn* conditions with Match
// (internal/archtest enforces this). Matching follows the
// IAM rules used by the Resource element and the Arn* condition operators:
// the pattern and the value are compared component by component, "*" matches
// any run of characters (including none) and "?" exactly one character, a
// wildcard never crosses one of the first five colons, and the comparison is
// case-sensitive. Inside the resource component wildcards span "/" and ":".
//
// The package has no dependencies and allocates nothing while matching.
package arn
