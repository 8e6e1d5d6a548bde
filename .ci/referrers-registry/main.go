// A registry with the OCI 1.1 referrers API for the tests: go-containerregistry's registry package (what
// `crane registry serve` runs) with its referrers support switched on, which `crane registry serve` leaves off.
// Blobs on disk (--disk), manifests in memory.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "address to listen on")
	disk := flag.String("disk", "", "directory for blobs (memory when empty)")
	flag.Parse()
	blobs := registry.NewInMemoryBlobHandler()
	if *disk != "" {
		if err := os.MkdirAll(*disk, 0o755); err != nil {
			log.Fatal(err)
		}
		blobs = registry.NewDiskBlobHandler(*disk)
	}
	handler := registry.New(registry.WithBlobHandler(blobs), registry.WithReferrersSupport(true), registry.Logger(log.New(os.Stderr, "", 0)))
	server := &http.Server{Addr: *address, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(server.ListenAndServe())
}
