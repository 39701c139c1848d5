// Tests of the Email adapters.
