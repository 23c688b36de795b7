package store

// SetAliasPaging sets the batch and the page cap of filtered alias lists,
// so that a test reaches the cap with few items.
func SetAliasPaging(s *Store, batch, pages int) { s.aliasFilterBatch, s.aliasQueryPages = batch, pages }
