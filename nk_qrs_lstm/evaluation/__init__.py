"""Evaluation: one-to-one matching metrics, the benchmark against NeuroKit2's methods, the output contract."""
