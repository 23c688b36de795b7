package store

import "time"

// SetAliasPaging sets the batch and the page cap of filtered alias lists,
// so that a test reaches the cap with few items.
func SetAliasPaging(s *Store, batch, pages int) { s.aliasFilterBatch, s.aliasQueryPages = batch, pages }

// SetClock sets the store's clock (page token key rotation).
func SetClock(s *Store, now func() time.Time) { s.now = now }
