// Command benchtool holds the helpers of bench/gateway.sh: the small-JSON
// backend every configuration proxies to, a plain httputil.ReverseProxy,
// and a SigV4 signer that prints the headers of one signed GET (replayed by
// wrk within the 5-minute window).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: benchtool backend|rproxy|sign ...")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	target := fs.String("target", "", "backend URL (rproxy) or URL to sign (sign)")
	region := fs.String("region", "us-east-1", "signing region")
	_ = fs.Parse(os.Args[2:])
	switch os.Args[1] {
	case "backend":
		body := []byte(`{"id":1,"name":"gatehouse","tags":["a","b"],"ok":true}`)
		log.Fatal(http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})))
	case "rproxy":
		u, err := url.Parse(*target)
		if err != nil {
			log.Fatal(err)
		}
		// Deliberately plain: the default transport, as most hand-written
		// Go proxies use it.
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.ErrorLog = log.New(io.Discard, "", 0)
		log.Fatal(http.ListenAndServe(*listen, rp))
	case "sign":
		req, err := http.NewRequest(http.MethodGet, *target, nil)
		if err != nil {
			log.Fatal(err)
		}
		creds := aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptyHash, "execute-api", *region, time.Now()); err != nil {
			log.Fatal(err)
		}
		for k, vv := range req.Header {
			for _, v := range vv {
				fmt.Printf("%s: %s\n", k, v)
			}
		}
	default:
		log.Fatalf("unknown command %s", os.Args[1])
	}
}
