package apigw

import "context"

// SetImportProgress installs the import progress hook for the tests of
// package apigw_test and returns a function that removes it.
func SetImportProgress(f func(ctx context.Context, done int)) func() {
	importProgress.Store(&f)
	return func() { importProgress.Store(nil) }
}
