// The Archive adapter family: see README.md.
