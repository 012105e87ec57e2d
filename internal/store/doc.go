// Package store is gatehouse's persistence: records grouped by kind, changed
// only in serializable transactions that are durable before Update returns,
// and a change feed that lets each domain package keep an immutable
// in-memory snapshot (a [View]) of what its request path needs.
//
// Domain packages (iam, apigw, lambda) own their record formats: a record's
// value is an opaque byte slice (JSON by convention). The store knows no
// domain, so a new backend (sqlite today, postgres next) implements only the
// [Backend] interface and passes the storetest suite.
package store
