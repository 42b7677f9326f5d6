"""`make bench`: the dashboard measured against the vendor's own speed and rate limit.

Run `python -m bench` (see `__main__.py`); the report goes to `bench/results/latest.md` and
`bench/results/latest.json`. Nothing here is imported by the product or the test suite,
except the pure helpers in `stats.py` and `report.py`, which `tests/bench/` checks.
"""
