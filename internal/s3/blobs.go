package s3

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// blobs keeps object and part bytes as files under DATA_DIR/s3: each
// written to tmp/ first, fsync'd, then renamed into blobs/ (and the
// directory fsync'd) before the store records it, so an acknowledged
// object is on disk and a crash leaves at worst an unreferenced file. A
// blob is never rewritten: a new version of an object is a new blob, and
// the old one is removed after the store stops naming it.
type blobs struct {
	dir string // DATA_DIR/s3
}

var blobIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newBlobs(dataDir string) (*blobs, error) {
	b := &blobs{dir: filepath.Join(dataDir, "s3")}
	for _, d := range []string{b.dir, filepath.Join(b.dir, "tmp"), filepath.Join(b.dir, "blobs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("s3: create %s: %w", d, err)
		}
	}
	// Temp files of uploads interrupted by a crash are garbage.
	if ents, err := os.ReadDir(filepath.Join(b.dir, "tmp")); err == nil {
		for _, e := range ents {
			_ = os.Remove(filepath.Join(b.dir, "tmp", e.Name()))
		}
	}
	return b, nil
}

func newBlobID() string {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("s3: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(r[:])
}

// path returns the file of blob id. Ids come from the store, written by
// newBlobID; anything else is refused so no record can name a path.
func (b *blobs) path(id string) (string, error) {
	if !blobIDRE.MatchString(id) {
		return "", errors.New("s3: invalid blob id")
	}
	return filepath.Join(b.dir, "blobs", id), nil
}

// open opens blob id for reading.
func (b *blobs) open(id string) (*os.File, error) {
	p, err := b.path(id)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// pending is a blob being written.
type pending struct {
	b  *blobs
	id string
	f  *os.File
}

func (b *blobs) create() (*pending, error) {
	id := newBlobID()
	f, err := os.OpenFile(filepath.Join(b.dir, "tmp", id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &pending{b: b, id: id, f: f}, nil
}

func (p *pending) Write(d []byte) (int, error) { return p.f.Write(d) }

// commit makes the blob durable and visible under its id.
func (p *pending) commit() (string, error) {
	if err := p.f.Sync(); err != nil {
		p.abort()
		return "", err
	}
	if err := p.f.Close(); err != nil {
		p.abort()
		return "", err
	}
	p.f = nil
	dst := filepath.Join(p.b.dir, "blobs", p.id)
	if err := os.Rename(filepath.Join(p.b.dir, "tmp", p.id), dst); err != nil {
		p.abort()
		return "", err
	}
	if d, err := os.Open(filepath.Join(p.b.dir, "blobs")); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return "", err
		}
	}
	return p.id, nil
}

// abort removes a blob that will not be committed. Safe to call twice.
func (p *pending) abort() {
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
	_ = os.Remove(filepath.Join(p.b.dir, "tmp", p.id))
}

// remove deletes committed blobs the store no longer names.
func (b *blobs) remove(ids ...string) {
	for _, id := range ids {
		if p, err := b.path(id); err == nil {
			_ = os.Remove(p)
		}
	}
}

// copyBlob copies blob id into a new pending blob.
func (b *blobs) copyBlob(id string, w io.Writer) error {
	f, err := b.open(id)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
