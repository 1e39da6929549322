package client_test

import (
	"testing"

	"github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/client/clienttest"
)

func TestMemStoreConformance(t *testing.T) {
	clienttest.RunStore(t, func(t *testing.T) client.Store { return client.NewMemStore() })
	clienttest.RunShared(t, func(t *testing.T) (client.Store, client.Store) {
		s := client.NewMemStore()
		return s, s
	})
}
