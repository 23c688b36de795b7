package app

import "sync"

// MaxRegionalClients bounds how many SDK clients of one service perRegion
// keeps: regions come from ARNs that callers write, so the set of regions
// asked for is theirs, not ours.
const MaxRegionalClients = 32

// perRegion returns a function that gives one client per region, built by
// newClient the first time the region is asked for and kept for the next
// requests. It keeps at most MaxRegionalClients clients; asked for another
// region, it forgets the one built longest ago (a later request for that
// region builds it again).
func perRegion[C any](newClient func(region string) C) func(region string) C {
	var mu sync.Mutex
	clients := map[string]C{}
	var order []string // regions in clients, oldest first
	return func(region string) C {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := clients[region]; ok {
			return c
		}
		if len(order) == MaxRegionalClients {
			delete(clients, order[0])
			order = order[1:]
		}
		c := newClient(region)
		clients[region] = c
		order = append(order, region)
		return c
	}
}
