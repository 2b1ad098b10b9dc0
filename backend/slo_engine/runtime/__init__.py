"""Settings, embedded servers and the composition root."""
