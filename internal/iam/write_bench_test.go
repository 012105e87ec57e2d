package iam_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// BenchmarkCreateUser measures IAM writes through the server as the
// account grows (each write is durable and rebuilds the snapshot).
func BenchmarkCreateUser(b *testing.B) {
	srv := gatehousetest.Start(b)
	ic := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%06d", i))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "users/s")
}
