"""Use cases: they talk to ports, never to drivers."""
