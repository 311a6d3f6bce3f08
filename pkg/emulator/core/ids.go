package core

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// idGen makes UUID-shaped ids from the seed, so two runs with the same seed and the same
// requests hand out the same ids (handy for golden files).
type idGen struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newIDGen(seed int64) *idGen {
	return &idGen{rng: rand.New(rand.NewPCG(uint64(seed), 0x69647321))}
}

// uuid returns a version-4-shaped UUID.
func (g *idGen) uuid() string {
	g.mu.Lock()
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	g.mu.Unlock()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}
