package s3

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// The aws-chunked content encoding
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html):
//
//	hex-size[;chunk-signature=SIG]\r\n DATA \r\n   (repeated)
//	0[;chunk-signature=SIG]\r\n
//	[trailer-name:value\r\n ... [x-amz-trailer-signature:SIG\r\n]]
//	\r\n
//
// chunkReader decodes it while the bytes arrive, so an upload of any size
// costs a fixed buffer: it never allocates from a size the client chose.

const (
	// maxChunkLine bounds a chunk header or trailer line (a 16-digit size
	// and a 64-digit signature fit many times over).
	maxChunkLine = 4096
	// maxChunkSize bounds one chunk's declared size (no allocation depends
	// on it; it only keeps the arithmetic far from overflow).
	maxChunkSize = 1 << 40
	// maxTrailers bounds the number of trailing headers.
	maxTrailers = 16
)

// errChunk is a malformed aws-chunked body: S3 answers it as a
// signature or framing failure (see chunkError).
var (
	errChunkFormat    = errors.New("s3: malformed aws-chunked body")
	errChunkSignature = errors.New("s3: chunk signature does not match")
)

// chunkReader decodes an aws-chunked body from r. With a Stream whose
// chunks are signed, every chunk signature (and the trailer signature) is
// checked as the chunk ends; a chunk whose signature fails makes Read
// return errChunkSignature, after the chunk's bytes were returned: the
// caller must act on nothing before Read returns io.EOF.
type chunkReader struct {
	r        *bufio.Reader
	st       *sigv4.Stream // nil: unsigned chunks
	trailer  bool          // trailing headers follow the last chunk
	left     int64         // bytes of the current chunk still to read
	inChunk  bool
	sig      string
	h        hash.Hash
	sum      [sha256.Size]byte
	err      error
	trailers map[string]string
	n        int64 // decoded bytes so far
}

func newChunkReader(r io.Reader, st *sigv4.Stream, trailer bool) *chunkReader {
	c := &chunkReader{r: bufio.NewReaderSize(r, 32<<10), trailer: trailer}
	if st != nil && st.SignedChunks() {
		c.st = st
		c.h = sha256.New()
	}
	return c
}

// Trailers returns the trailing headers (lowercase names), once Read has
// returned io.EOF.
func (c *chunkReader) Trailers() map[string]string { return c.trailers }

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for !c.inChunk {
		if err := c.header(); err != nil {
			c.err = err
			return 0, err
		}
		if c.err != nil { // the last chunk and trailer are done
			return 0, c.err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.left -= int64(n)
	c.n += int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.err = err
		return n, err
	}
	if c.left == 0 {
		if err := c.endChunk(); err != nil {
			c.err = err
			return n, err
		}
	}
	return n, nil
}

// line reads one CRLF-terminated line without its terminator.
func (c *chunkReader) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull || len(b) > maxChunkLine {
			return "", errChunkFormat
		}
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	if len(b) > maxChunkLine || len(b) < 2 || b[len(b)-2] != '\r' {
		return "", errChunkFormat
	}
	return string(b[:len(b)-2]), nil
}

// header reads a chunk header; for the last (empty) chunk it also reads
// the trailer and sets c.err to io.EOF.
func (c *chunkReader) header() error {
	ln, err := c.line()
	if err != nil {
		return err
	}
	size, ext, hasExt := strings.Cut(ln, ";")
	if size == "" || len(size) > 16 {
		return errChunkFormat
	}
	n, err := strconv.ParseInt(size, 16, 64)
	if err != nil || n < 0 || n > maxChunkSize {
		return errChunkFormat
	}
	c.sig = ""
	if c.st != nil {
		v, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !hasExt || !ok || len(v) != 64 {
			return errChunkFormat
		}
		c.sig = v
	} else if hasExt {
		return errChunkFormat
	}
	if n > 0 {
		c.left, c.inChunk = n, true
		if c.h != nil {
			c.h.Reset()
		}
		return nil
	}
	// The final chunk: signed over no data.
	if c.st != nil && !c.st.Chunk(c.sig, emptySum[:]) {
		return errChunkSignature
	}
	if c.trailer {
		if err := c.readTrailer(); err != nil {
			return err
		}
	} else if ln, err := c.line(); err != nil || ln != "" {
		if err == nil {
			err = errChunkFormat
		}
		return err
	}
	c.err = io.EOF
	return nil
}

var emptySum = sha256.Sum256(nil)

// endChunk reads the CRLF after a chunk's data and checks its signature.
func (c *chunkReader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.r, crlf[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errChunkFormat
	}
	c.inChunk = false
	if c.st != nil && !c.st.Chunk(c.sig, c.h.Sum(c.sum[:0])) {
		return errChunkSignature
	}
	return nil
}

// readTrailer reads "name:value" lines up to the empty line. In signed
// mode the last one is x-amz-trailer-signature, over the others'
// canonical form "name:value\n".
func (c *chunkReader) readTrailer() error {
	c.trailers = map[string]string{}
	var canon bytes.Buffer
	sig := ""
	for i := 0; ; i++ {
		ln, err := c.line()
		if err != nil {
			return err
		}
		if ln == "" {
			break
		}
		if i >= maxTrailers || sig != "" {
			return errChunkFormat
		}
		name, value, ok := strings.Cut(ln, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" {
			return errChunkFormat
		}
		if name == "x-amz-trailer-signature" {
			sig = value
			continue
		}
		if _, dup := c.trailers[name]; dup {
			return errChunkFormat
		}
		c.trailers[name] = value
		canon.WriteString(name + ":" + value + "\n")
	}
	if c.st != nil {
		if sig == "" {
			return errChunkFormat
		}
		h := sha256.Sum256(canon.Bytes())
		if !c.st.Trailer(sig, h[:]) {
			return errChunkSignature
		}
	} else if sig != "" {
		return errChunkFormat
	}
	return nil
}
