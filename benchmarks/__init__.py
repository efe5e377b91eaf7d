"""Scripts that print figures; run from the repo root, e.g. `python benchmarks/rippling_visma.py`. Not tests."""
