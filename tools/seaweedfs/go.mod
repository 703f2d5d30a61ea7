// A wrapper module that builds SeaweedFS's `weed` (the S3-compatible server the tests use).
// `go install github.com/seaweedfs/seaweedfs/weed@…` is refused because SeaweedFS's own go.mod
// has a replace directive; requiring it here and repeating that replace builds it.
module whatrack.local/tools/seaweedfs

go 1.26.6

require github.com/seaweedfs/seaweedfs v0.0.0-20261109003541-7506e5f91cd6

replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
