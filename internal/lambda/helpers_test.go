package lambda_test

import "net/http"

var httpClient = http.Client{}
