"""SLO as code: accepted SLO versions in, Prometheus rules and their unit tests out.

A pure pipeline in the manner of Sloth's processors: validate -> SLI recording rules ->
meta rules -> alert rules, each step a small function over values. Nothing here reads a
file, a socket or the clock; promtool runs in `adapters/promtool.py`.
"""
