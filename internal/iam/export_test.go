package iam

// SetAccessKeyIDSource replaces the generator of access key ids until the
// returned function restores it (tests that force id collisions).
func SetAccessKeyIDSource(f func(account string) string) (restore func()) {
	old := newAccessKeyID
	newAccessKeyID = f
	return func() { newAccessKeyID = old }
}
