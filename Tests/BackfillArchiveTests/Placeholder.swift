// Tests of the Archive adapters.
