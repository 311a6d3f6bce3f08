package entra

// Internals that the external tests (package entra_test) check or build on.
var (
	DecodeSegment = decodeSegment
	ObjectID      = objectID
	B64JSON       = b64json
	RandomToken   = randomToken
	ScopeAudience = scopeAudience
)

const GraphAppID = graphAppID
