// The Chat adapter family: see README.md.
