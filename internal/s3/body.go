package s3

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// checksumAlgorithms are S3's additional checksums: header or trailer
// x-amz-checksum-<name>, value base64 of the big-endian digest.
var checksumAlgorithms = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64NVME) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

// crc64NVME is CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5).
var crc64NVME = crc64.MakeTable(0x9A6C9329AC4BC9B5)

// received is what reading a body established.
type received struct {
	size     int64
	md5      []byte
	checksum *checksum
}

// readBody copies the request body, decoded (aws-chunked) when it is, to
// dst, and verifies it: the signature (payload hash or every chunk), the
// decoded length, Content-MD5 and any x-amz-checksum-*. limit bounds the
// decoded size (EntityTooLarge). Nothing written to dst may be kept when
// it fails.
func (s *Service) readBody(c *call, dst io.Writer, limit int64) (*received, error) {
	r := c.r
	h := r.Header
	var stream *sigv4.Stream
	if c.hd != nil {
		stream = c.hd.Stream()
	}
	chunked := stream != nil
	if !chunked && c.hd == nil && strings.Contains(h.Get("Content-Encoding"), "aws-chunked") {
		// An anonymous aws-chunked body: framing without signatures.
		chunked = true
	}
	want := r.ContentLength
	if chunked {
		dl := h.Get("x-amz-decoded-content-length")
		n, err := strconv.ParseInt(dl, 10, 64)
		if dl == "" {
			return nil, awserr.S3MissingContentLength.New("")
		}
		if err != nil || n < 0 {
			return nil, awserr.S3InvalidArgument.New("Invalid x-amz-decoded-content-length").WithField("ArgumentName", "x-amz-decoded-content-length")
		}
		want = n
	} else if want < 0 && r.Body != nil && r.Body != http.NoBody {
		return nil, awserr.S3MissingContentLength.New("")
	}
	if want > limit {
		return nil, awserr.S3EntityTooLarge.New("").WithField("MaxSizeAllowed", strconv.FormatInt(limit, 10)).WithField("ProposedSize", strconv.FormatInt(want, 10))
	}

	// Content-MD5 and a header checksum are checked after the body; a
	// malformed one is refused before it is read.
	var wantMD5 []byte
	if v := h.Get("Content-MD5"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != md5.Size {
			return nil, awserr.S3InvalidDigest.New("")
		}
		wantMD5 = b
	}
	alg, wantSum, fromTrailer, err := checksumRequest(h)
	if err != nil {
		return nil, err
	}

	var src io.Reader = http.NoBody
	if r.Body != nil {
		src = r.Body
	}
	var cr *chunkReader
	var raw hash.Hash
	if chunked {
		cr = newChunkReader(src, stream, stream == nil || stream.HasTrailer())
		src = cr
	} else if c.hd != nil {
		raw = sha256.New()
		src = io.TeeReader(src, raw)
	}
	m := md5.New()
	ws := []io.Writer{m}
	var sum hash.Hash
	if alg != "" {
		sum = checksumAlgorithms[alg]()
		ws = append(ws, sum)
	}
	ws = append(ws, dst)
	// One byte past the bound tells a body longer than it claimed.
	n, err := io.Copy(io.MultiWriter(ws...), io.LimitReader(src, want+1))
	switch {
	case errors.Is(err, errChunkSignature):
		return nil, awserr.S3SignatureDoesNotMatch.New("").WithCause(err)
	case errors.Is(err, errChunkFormat):
		return nil, awserr.S3IncompleteBody.New("The request body is not a valid aws-chunked encoding").WithCause(err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, awserr.S3IncompleteBody.New("").WithCause(err)
	case err != nil:
		return nil, err
	}
	if n != want {
		return nil, awserr.S3IncompleteBody.New("")
	}
	if cr != nil {
		// The decoded length is reached: the final chunk must follow.
		var one [1]byte
		if k, err := cr.Read(one[:]); k != 0 || err != io.EOF {
			switch {
			case errors.Is(err, errChunkSignature):
				return nil, awserr.S3SignatureDoesNotMatch.New("")
			case k != 0 || err == nil:
				return nil, awserr.S3IncompleteBody.New("The decoded body is longer than x-amz-decoded-content-length")
			default:
				return nil, awserr.S3IncompleteBody.New("").WithCause(err)
			}
		}
	}

	// The signature covers the body as received: only now may anything
	// be acted on.
	if c.hd != nil {
		if stream != nil {
			stream.Done()
			if _, err := c.hd.FinishStream(); err != nil {
				return nil, authError(err, false)
			}
		} else if _, err := c.hd.Finish(hex.EncodeToString(raw.Sum(nil))); err != nil {
			return nil, authError(err, c.hd.Presigned())
		}
	}
	got := m.Sum(nil)
	if wantMD5 != nil && !bytes.Equal(got, wantMD5) {
		return nil, awserr.S3BadDigest.New("")
	}
	rcv := &received{size: n, md5: got}
	if alg != "" {
		if fromTrailer {
			if cr == nil {
				return nil, awserr.S3InvalidRequest.New("x-amz-trailer requires an aws-chunked body")
			}
			wantSum = cr.Trailers()["x-amz-checksum-"+alg]
			if wantSum == "" {
				return nil, awserr.S3InvalidRequest.New("The x-amz-trailer header named a checksum the body does not carry")
			}
		}
		gotSum := base64.StdEncoding.EncodeToString(sum.Sum(nil))
		if gotSum != wantSum {
			return nil, awserr.S3BadDigest.Errorf("The %s you specified did not match the calculated checksum.", strings.ToUpper(alg))
		}
		rcv.checksum = &checksum{Algorithm: strings.ToUpper(alg), Value: gotSum}
	}
	return rcv, nil
}

// checksumRequest reads which additional checksum the request carries:
// an x-amz-checksum-<alg> header, or a trailer announced by x-amz-trailer.
func checksumRequest(h http.Header) (alg, value string, trailer bool, err error) {
	if t := strings.ToLower(strings.TrimSpace(h.Get("x-amz-trailer"))); t != "" {
		a, ok := strings.CutPrefix(t, "x-amz-checksum-")
		if !ok || checksumAlgorithms[a] == nil {
			return "", "", false, awserr.S3InvalidRequest.New("The value specified in the x-amz-trailer header is not supported")
		}
		return a, "", true, nil
	}
	for a := range checksumAlgorithms {
		if v := h.Get("x-amz-checksum-" + a); v != "" {
			if alg != "" {
				return "", "", false, awserr.S3InvalidRequest.New("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			alg, value = a, v
		}
	}
	return alg, value, false, nil
}

// readSmall reads a small request body (XML configuration, a policy)
// into memory, verified as readBody verifies.
func (s *Service) readSmall(c *call, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if c.r.ContentLength > limit {
		return nil, awserr.S3EntityTooLarge.New("")
	}
	if _, err := s.readBody(c, &limitedBuffer{b: &buf, n: limit}, limit); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type limitedBuffer struct {
	b *bytes.Buffer
	n int64
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if int64(l.b.Len()+len(p)) > l.n {
		return 0, awserr.S3EntityTooLarge.New("")
	}
	return l.b.Write(p)
}
