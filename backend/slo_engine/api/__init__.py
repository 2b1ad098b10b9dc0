"""The REST API: one router module per feature, errors as RFC 7807 problem details."""
