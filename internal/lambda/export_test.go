package lambda

// SetPick replaces the source of alias weighted routing (tests only), so
// that a test checks a split exactly instead of statistically.
func SetPick(s *Service, f func() float64) { s.picker.Store(&f) }
