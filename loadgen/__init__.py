"""stockwatch load generator: a constant-rate (open-loop) request stream with client metrics."""
