// Command gofn is a test function for the provided.al2023 runtime, built
// with aws-lambda-go. Its behaviour is chosen by the event's "do" member.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Do    string `json:"do"`
	Sleep int    `json:"sleep"`
	Env   string `json:"env"`
	Size  int    `json:"size"`
}

var invocations int

func handle(ctx context.Context, ev event) (any, error) {
	invocations++
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Println("handling", ev.Do)
	switch ev.Do {
	case "error":
		return nil, errors.New("boom")
	case "panic":
		panic("oh no")
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(ev.Sleep) * time.Millisecond)
	case "env":
		return map[string]string{"value": os.Getenv(ev.Env)}, nil
	case "hog":
		var held [][]byte
		for i := 0; i < ev.Size/16; i++ {
			b := make([]byte, 16<<20)
			for k := range b {
				b[k] = 1
			}
			held = append(held, b)
		}
		return len(held), nil
	case "big":
		b := make([]byte, ev.Size)
		for i := range b {
			b[i] = 'a'
		}
		return string(b), nil
	}
	dl, _ := ctx.Deadline()
	return map[string]any{
		"requestId":   lc.AwsRequestID,
		"arn":         lc.InvokedFunctionArn,
		"invocations": invocations,
		"pid":         os.Getpid(),
		"instance":    os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
		"deadlineIn":  time.Until(dl).Milliseconds(),
	}, nil
}

func main() { lambda.Start(handle) }
