"""`make bench`: the dashboard measured against the vendor's own speed and rate limit.

Run `python -m bench` (see `__main__.py`); the report goes to `bench/results/latest.md` and
`bench/results/latest.json`. The product never imports anything from here; `tests/bench/`
checks the pure helpers (percentiles, the report, the traversal's bound, the closing note).
"""
