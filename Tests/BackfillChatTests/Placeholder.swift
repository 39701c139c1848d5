// Tests of the Chat adapters.
