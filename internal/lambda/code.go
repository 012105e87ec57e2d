package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// LocalDirBucket is the Code.S3Bucket value that makes Code.S3Key a local
// directory used as the task root (gatehouse extension, see the package
// doc).
const LocalDirBucket = "gatehouse-local-dir"

// AWS's package limits (spec §4.4).
const (
	maxZipped  = 52428800
	maxEntries = 100000
)

// maxUnzipped is a variable so tests can exercise it without writing
// 250 MB; the error message keeps AWS's number.
var maxUnzipped int64 = 262144000

var errBadZip = awserr.InvalidParameterValueException.New("Could not unzip uploaded file. Please check your file, then try to upload again.")

// codeInfo is a stored package.
type codeInfo struct {
	sha256 string // base64, as CodeSha256
	size   int64
	dir    string // task root
	zip    string // stored zip ("" for local directories)
	local  bool
}

// storeZip validates and stores a zip, extracting it once per content.
func (s *Service) storeZip(b []byte) (*codeInfo, error) {
	if len(b) > maxZipped {
		return nil, awserr.RequestEntityTooLarge.New("Zipped size must be smaller than 52428800 bytes")
	}
	return s.storeZipMax(b, maxZipped)
}

// storeZipMax is storeZip for a zip read from S3, which may be larger
// than a direct upload (the unzipped limit still holds).
func (s *Service) storeZipMax(b []byte, max int64) (*codeInfo, error) {
	if int64(len(b)) > max {
		return nil, awserr.InvalidParameterValueException.Errorf("Unzipped size must be smaller than %d bytes", maxUnzipped)
	}
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	base := filepath.Join(s.dataDir, "lambda", "code")
	dir := filepath.Join(base, hexSum)
	zpath := dir + ".zip"
	info := &codeInfo{sha256: base64.StdEncoding.EncodeToString(sum[:]), size: int64(len(b)), dir: dir, zip: zpath}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return info, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, errBadZip.WithCause(err)
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(base, "extract-")
	if err != nil {
		return nil, err
	}
	// The task root is readable by the sandbox user, as on AWS (the code
	// dir, and the data dir above it, stay private to the server: the
	// sandbox gets the task root alone).
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := extract(zr, tmp); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.WriteFile(zpath, b, 0o600); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
			return info, nil // extracted concurrently
		}
		return nil, err
	}
	return info, nil
}

// extract unpacks zr into dir, refusing entries that would escape it
// (zip-slip) and archives over the unzipped limit. Unix mode bits are kept:
// Lambda does not chmod the bootstrap (spec §8.15).
func extract(zr *zip.Reader, dir string) error {
	if len(zr.File) > maxEntries {
		return errBadZip
	}
	var total int64
	type link struct{ name, target string }
	var links []link
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if name == "" || strings.HasPrefix(name, "/") || filepath.IsAbs(name) || strings.Contains(name, ":") && len(name) > 1 && name[1] == ':' {
			return awserr.InvalidParameterValueException.New("Could not unzip uploaded file. Please check your file, then try to upload again.").WithCause(fmt.Errorf("absolute path %q", f.Name))
		}
		for _, part := range strings.Split(name, "/") {
			if part == ".." {
				return errBadZip.WithCause(fmt.Errorf("path %q leaves the task root", f.Name))
			}
		}
		clean := path.Clean(name)
		if clean == "." {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(clean))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case mode&fs.ModeSymlink != 0:
			rc, err := f.Open()
			if err != nil {
				return errBadZip.WithCause(err)
			}
			t, err := io.ReadAll(io.LimitReader(rc, 4096))
			rc.Close()
			if err != nil {
				return errBadZip.WithCause(err)
			}
			links = append(links, link{clean, string(t)})
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		perm := mode.Perm()
		if creator := f.CreatorVersion >> 8; (creator != 3 && creator != 19) || perm == 0 {
			perm = 0o644 // entries made without Unix attributes (FAT, NTFS)
		}
		rc, err := f.Open()
		if err != nil {
			return errBadZip.WithCause(err)
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o200)
		if err != nil {
			rc.Close()
			if errors.Is(err, fs.ErrExist) {
				continue // duplicate entry: first wins
			}
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, maxUnzipped-total+1))
		rc.Close()
		cerr := out.Close()
		total += n
		if total > maxUnzipped {
			return awserr.InvalidParameterValueException.New("Unzipped size must be smaller than 262144000 bytes")
		}
		if err != nil {
			return errBadZip.WithCause(err)
		}
		if cerr != nil {
			return cerr
		}
		if err := os.Chmod(target, perm); err != nil {
			return err
		}
	}
	for _, l := range links {
		// Only links that resolve inside the task root are honoured.
		resolved := path.Clean(path.Join(path.Dir(l.name), l.target))
		if path.IsAbs(l.target) || resolved == ".." || strings.HasPrefix(resolved, "../") {
			return errBadZip.WithCause(fmt.Errorf("symlink %q points outside the task root", l.name))
		}
		target := filepath.Join(dir, filepath.FromSlash(l.name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l.target, target); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// localDir validates the gatehouse-local-dir form: an absolute directory
// that resolves (symlinks followed) under one of the roots the operator
// allows (--lambda-code-roots), never the data dir, inside it or above it.
// Every refusal before the directory is known to be under a root reads the
// same, so that the answer reveals nothing of the host's other paths.
func (s *Service) localDir(p string) (*codeInfo, error) {
	if !filepath.IsAbs(p) {
		return nil, awserr.InvalidParameterValueException.Errorf("S3Key must be an absolute directory path on the gatehouse host when S3Bucket is %s.", LocalDirBucket)
	}
	dir, err := s.checkLocalDir(p)
	if err != nil {
		return nil, err
	}
	// CodeSha256 of a directory: a fresh random value per upload, since
	// the directory changes under us anyway.
	var r [32]byte
	_, _ = rand.Read(r[:])
	return &codeInfo{sha256: base64.StdEncoding.EncodeToString(r[:]), dir: dir, local: true}, nil
}

// checkLocalDir resolves a local code directory and checks it against the
// allowed roots and the data dir; it returns the resolved path. It runs at
// create/update and again whenever an instance's spec is built, since the
// directory (or a symlink on its path) may change in between.
func (s *Service) checkLocalDir(p string) (string, error) {
	if len(s.codeRoots) == 0 {
		return "", awserr.InvalidParameterValueException.Errorf("Local code directories (S3Bucket %s) are disabled on this gatehouse: its operator allows them with --lambda-code-roots DIR[,DIR].", LocalDirBucket)
	}
	notAllowed := awserr.InvalidParameterValueException.Errorf("The directory %s is not under a directory this gatehouse allows for local code (--lambda-code-roots).", p)
	clean := filepath.Clean(p)
	if !s.underCodeRoot(clean) || s.overlapsDataDir(clean) {
		return "", notAllowed
	}
	real, err := filepath.EvalSymlinks(clean)
	if err != nil {
		return "", awserr.InvalidParameterValueException.Errorf("The directory %s does not exist on the gatehouse host.", p)
	}
	if !s.underCodeRoot(real) || s.overlapsDataDir(real) {
		return "", notAllowed
	}
	st, err := os.Stat(real)
	if err != nil || !st.IsDir() {
		return "", awserr.InvalidParameterValueException.Errorf("The directory %s does not exist on the gatehouse host.", p)
	}
	return real, nil
}

func (s *Service) underCodeRoot(p string) bool {
	for _, r := range s.codeRoots {
		if within(p, r) {
			return true
		}
	}
	return false
}

// overlapsDataDir: p is the data dir, inside it, or contains it.
func (s *Service) overlapsDataDir(p string) bool {
	for _, d := range s.dataDirs {
		if within(p, d) || within(d, p) {
			return true
		}
	}
	return false
}

// within reports whether p is dir or below it (both clean and absolute).
func within(p, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// resolveRoots cleans and resolves the allowed roots; a root that does not
// exist, is not a directory or overlaps the data dir is a configuration
// error.
func resolveRoots(roots, dataDirs []string) ([]string, error) {
	var out []string
	for _, r := range roots {
		if r == "" {
			continue
		}
		if !filepath.IsAbs(r) {
			return nil, fmt.Errorf("--lambda-code-roots %q: not an absolute path", r)
		}
		real, err := filepath.EvalSymlinks(filepath.Clean(r))
		if err != nil {
			return nil, fmt.Errorf("--lambda-code-roots %q: %v", r, err)
		}
		if st, err := os.Stat(real); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--lambda-code-roots %q: not a directory", r)
		}
		for _, d := range dataDirs {
			if within(real, d) {
				return nil, fmt.Errorf("--lambda-code-roots %q is inside the data dir %s", r, d)
			}
		}
		out = append(out, real)
	}
	return out, nil
}

// dataDirPaths is the data dir as configured and as resolved: both forms
// are refused as (or around) local code.
func dataDirPaths(dataDir string) []string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil
	}
	out := []string{filepath.Clean(abs)}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != out[0] {
		out = append(out, real)
	}
	return out
}
