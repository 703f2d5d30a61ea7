//go:build tools

// Package tools pins SeaweedFS's weed command for `go build` in this module.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
