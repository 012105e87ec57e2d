package lambda

// The inputs the operations share; each operation's own input type is
// next to its handler (frame.go says how the tags map to the wire).

// fnInput names a function: the FunctionName path parameter and the
// Qualifier query parameter (nil when absent), which resolveName reads
// for the operations that take it.
type fnInput struct {
	FunctionName string   `uri:"FunctionName" json:"-"`
	Qualifier    []string `query:"Qualifier" json:"-"`
}

func (f *fnInput) fnRef() *fnInput { return f }

// pageInput is a listing's MaxItems (every value, nil when absent) and
// Marker query parameters.
type pageInput struct {
	MaxItems []string `query:"MaxItems" json:"-"`
	Marker   string   `query:"Marker" json:"-"`
}
