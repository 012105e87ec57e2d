package s3

import "time"

// EncodeSignedChunks frames chunks as a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// body signed from seed, for the end-to-end tests (package s3_test).
func EncodeSignedChunks(secret string, t time.Time, region, seed string, chunks [][]byte) []byte {
	return encode(newChunkSignerFor(secret, t, region, seed), chunks, nil)
}
