"""RQ jobs and their schedule; each job calls one application use case."""
