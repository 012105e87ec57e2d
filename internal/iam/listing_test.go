package iam_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// TestListUsersPagesFilteredSortedList pages through users with a path
// prefix that matches every other one: pages come from the snapshot's
// sorted list (listing.go), and a page is truncated only when another
// matching user follows, whatever non-matching ones come after it.
func TestListUsersPagesFilteredSortedList(t *testing.T) {
	_, ic, _ := rootClients(t)
	for i := 0; i < 6; i++ {
		path := "/"
		if i%2 == 0 {
			path = "/x/"
		}
		if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("A%d", i)), Path: aws.String(path)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		prefix string
		max    int32
		want   string // pages separated by |
	}{
		{"/x/", 2, "A0,A2|A4"},
		{"/x/", 3, "A0,A2,A4"},
		{"/", 4, "A0,A1,A2,A3|A4,A5"},
		{"/y/", 2, ""},
	} {
		t.Run(fmt.Sprintf("%s_%d", tc.prefix, tc.max), func(t *testing.T) {
			var pages []string
			var marker *string
			for n := 0; n < 10; n++ {
				out, err := ic.ListUsers(Ctx, &awsiam.ListUsersInput{PathPrefix: aws.String(tc.prefix), MaxItems: aws.Int32(tc.max), Marker: marker})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, u := range out.Users {
					names = append(names, *u.UserName)
				}
				pages = append(pages, strings.Join(names, ","))
				if !out.IsTruncated {
					break
				}
				marker = out.Marker
			}
			if got := strings.Join(pages, "|"); got != tc.want {
				t.Errorf("pages = %q, want %q", got, tc.want)
			}
		})
	}
}
