// The Email adapter family: see README.md.
