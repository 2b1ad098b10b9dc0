"""Implementations of the application's ports: graph stores, Redis."""
