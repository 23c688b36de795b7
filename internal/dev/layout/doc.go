// Package layout holds the tests that keep the tree's promises: nothing that
// ships (the functions under functions/ and everything they import) depends
// on development tooling under internal/dev, the CDK app imports only the
// shared configuration names, and every package whose documentation promises
// to import no other package of vpid keeps its word.
//
// The package holds tests only; nothing imports it.
package layout
