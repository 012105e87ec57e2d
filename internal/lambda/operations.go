package lambda

// Operations returns the names of the operations route can name: the
// closed set of operation labels of the lambda surface's metrics.
// internal/archtest checks that route names no other.
func Operations() []string {
	return []string{
		"AddPermission", "CreateFunction", "DeleteFunction", "DeleteFunctionConcurrency", "GetAccountSettings",
		"GetFunction", "GetFunctionCodeLocation", "GetFunctionConcurrency", "GetFunctionConfiguration", "GetPolicy",
		"Invoke", "ListFunctions", "ListTags", "PutFunctionConcurrency", "RemovePermission", "TagResource",
		"UntagResource", "UpdateFunctionCode", "UpdateFunctionConfiguration",
	}
}
