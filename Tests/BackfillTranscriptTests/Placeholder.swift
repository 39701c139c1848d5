// Tests of the Transcript adapters.
