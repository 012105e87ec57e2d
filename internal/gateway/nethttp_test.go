package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// chunkSeeds are also committed under testdata/fuzz/FuzzChunkScan.
var chunkSeeds = []string{
	"3\r\nabc\r\n0\r\n\r\n",
	"3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 200 OK\r\n",
	"A  \r\n0123456789\r\n0\r\n\r\nextra",
	"3\nabc\r\n0\r\n\r\n",
	"3\r\nabc\n0\r\n\r\n",
	"0\r\n\n",
	"0\r\nX: 1\nY: 2\r\n\r\n",
	"fffffffffffffffff\r\n",
	"1\r\nx\r\n1\r\ny\r\n0\r\n\r\n",
	"3\r\na\rc\r\n0\r\n\r\n",
}

// FuzzChunkScan checks that the guard of --upstream-client=net/http finds
// the end of a chunked body where net/http's reader ends it: whenever
// net/http reads the body (and trailer) without error, the scanner ends it
// at the same byte, however the input is split across reads.
func FuzzChunkScan(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(checkChunkScan)
}

func checkChunkScan(t *testing.T, data []byte, split uint8) {
	{
		if len(data) > 8<<10 {
			return
		}
		head := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		br := bufio.NewReaderSize(bytes.NewReader(append([]byte(head), data...)), 16<<10)
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		_, serr := io.ReadAll(resp.Body)
		consumed := len(data) - br.Buffered()
		// The scanner, fed in pieces of split+1 bytes.
		var c chunkScan
		end, done := 0, false
		step := int(split) + 1
		for off := 0; off < len(data) && !done; off += step {
			piece := data[off:min(off+step, len(data))]
			n, d, err := c.feed(piece)
			if err != nil {
				if serr == nil {
					t.Fatalf("%q: scanner refused at %d, net/http read %d bytes", data, off+n, consumed)
				}
				return
			}
			end, done = off+n, d
		}
		if serr != nil {
			return // net/http refuses: the Transport fails the request, whatever the scanner says
		}
		if !done || end != consumed {
			t.Fatalf("%q: scanner ends at %d (done %v), net/http at %d", data, end, done, consumed)
		}
	}
}

func TestChunkScanSeeds(t *testing.T) {
	for _, s := range chunkSeeds {
		for split := uint8(0); split < 8; split++ {
			checkChunkScan(t, []byte(s), split)
		}
	}
}
