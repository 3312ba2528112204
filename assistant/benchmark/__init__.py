"""Benchmarks that ship with the product (``policy-assistant bench ...``)."""
