"""Pure rules and maths: no I/O, no framework imports."""
