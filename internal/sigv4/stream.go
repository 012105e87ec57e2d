package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// The x-amz-content-sha256 values of S3's aws-chunked uploads
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
// sigv4-streaming-trailers.html).
const (
	// StreamingPayload: every chunk carries a signature chained from the
	// seed (the Authorization header's signature).
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer: signed chunks, then trailing headers with
	// their own signature (x-amz-trailer-signature).
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedTrailer: unsigned chunks and an unsigned trailer
	// (a checksum); the body is covered by no signature, like
	// UNSIGNED-PAYLOAD.
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

func isStreaming(s string) bool {
	return s == StreamingPayload || s == StreamingPayloadTrailer || s == StreamingUnsignedTrailer
}

// emptySHA256 is the hex SHA-256 of nothing, the fifth line of every chunk's
// string to sign.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Stream verifies the chunk signatures of an aws-chunked body, each chained
// from the previous one, starting at the seed signature of the request
// head. It holds the derived signing key of one request and is not safe for
// concurrent use. The framing itself is the caller's (package s3 decodes
// it): Stream only says whether a chunk's or the trailer's signature is the
// one the signing key gives.
type Stream struct {
	// Mode is the x-amz-content-sha256 value the head signed.
	Mode  string
	key   [32]byte
	date  string // X-Amz-Date, basic format
	scope string // DATE/REGION/SERVICE/aws4_request
	prev  string // previous signature, lowercase hex
	done  bool
}

func newStream(mode string, key [32]byte, t time.Time, cred *Credential, seed string) *Stream {
	return &Stream{Mode: mode, key: key, date: formatBasic(t),
		scope: cred.Date + "/" + cred.Region + "/" + cred.Service + "/aws4_request", prev: seed}
}

// SignedChunks reports whether each chunk carries a chunk-signature.
func (s *Stream) SignedChunks() bool { return s.Mode != StreamingUnsignedTrailer }

// HasTrailer reports whether trailing headers follow the last chunk.
func (s *Stream) HasTrailer() bool { return s.Mode != StreamingPayload }

// Chunk checks sig, the chunk-signature of a chunk whose data hashes to
// dataHash (SHA-256), and advances the chain. The final, empty chunk is
// checked the same way.
func (s *Stream) Chunk(sig string, dataHash []byte) bool {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(dataHash)
	return s.check(sig, sts)
}

// Trailer checks sig, the x-amz-trailer-signature over the trailing
// headers whose canonical form ("name:value\n" each) hashes to
// trailerHash, and marks the stream complete when it matches.
func (s *Stream) Trailer(sig string, trailerHash []byte) bool {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + hex.EncodeToString(trailerHash)
	return s.check(sig, sts)
}

// Done marks the body completely decoded and verified, for FinishStream.
func (s *Stream) Done() { s.done = true }

func (s *Stream) check(sig, sts string) bool {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(sts))
	want := m.Sum(nil)
	var given [32]byte
	ok := decodeSignature(&given, sig)
	if !ok || subtle.ConstantTimeCompare(want, given[:]) != 1 {
		return false
	}
	s.prev = hex.EncodeToString(want)
	return true
}
