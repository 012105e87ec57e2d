package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// watchInterval is how often `deploy --watch` looks for changes.
var watchInterval = 500 * time.Millisecond

// maxWatchedFiles bounds one look: a tree larger than this (a home
// directory passed by mistake) is refused rather than walked twice a
// second.
const maxWatchedFiles = 50000

// errTooManyFiles ends a fingerprint walk over maxWatchedFiles.
var errTooManyFiles = fmt.Errorf("more than %d files to watch", maxWatchedFiles)

// watch deploys, then deploys again each time the files under the
// template's directory (or the cloud assembly) change, until ctx ends.
// A failed deploy does not end the loop: the next change retries it.
func (d *deployment) watch(ctx context.Context, stdout, stderr io.Writer, every time.Duration) int {
	root := d.path
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		root = filepath.Dir(root)
	}
	last, err := fingerprint(root)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy --watch:", err)
		return 1
	}
	for {
		d.run(ctx, stdout, stderr)
		if ctx.Err() != nil {
			return 0
		}
		fmt.Fprintf(stdout, "Watching %s for changes (Ctrl-C to stop)\n", root)
		for {
			select {
			case <-ctx.Done():
				return 0
			case <-time.After(every):
			}
			now, err := fingerprint(root)
			if err != nil {
				fmt.Fprintln(stderr, "gatehouse deploy --watch:", err)
				return 1
			}
			if now != last {
				// Editors write in steps: wait for one quiet interval.
				for {
					select {
					case <-ctx.Done():
						return 0
					case <-time.After(every):
					}
					again, err := fingerprint(root)
					if err != nil {
						fmt.Fprintln(stderr, "gatehouse deploy --watch:", err)
						return 1
					}
					if again == now {
						break
					}
					now = again
				}
				last = now
				fmt.Fprintln(stdout, "Change detected: deploying again")
				break
			}
		}
	}
}

// fingerprint hashes the names, sizes, modes and modification times of
// the files under root (not their contents: a look must stay cheap),
// leaving out version-control and build-cache directories.
func fingerprint(root string) ([sha256.Size]byte, error) {
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed during the walk: the next look sees it
			}
			return err
		}
		if e.IsDir() && p != root {
			switch e.Name() {
			case ".git", ".hg", ".aws-sam", ".serverless", "cdk.out", ".cache":
				return filepath.SkipDir
			}
		}
		if n++; n > maxWatchedFiles {
			return errTooManyFiles
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		var b [24]byte
		binary.LittleEndian.PutUint64(b[0:], uint64(fi.Size()))
		binary.LittleEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
		binary.LittleEndian.PutUint64(b[16:], uint64(fi.Mode()))
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(b[:])
		return nil
	})
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum, err
}
