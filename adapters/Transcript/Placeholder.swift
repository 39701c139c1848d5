// The Transcript adapter family: see README.md.
