//go:build !unix

package boltstore

import "os"

// unlock does nothing where bbolt does not use flock.
func unlock(*os.File) {}
