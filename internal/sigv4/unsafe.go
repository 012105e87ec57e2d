package sigv4

import "unsafe"

// unsafeString views b as a string without copying. Callers must not let
// the string outlive b's current contents.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
