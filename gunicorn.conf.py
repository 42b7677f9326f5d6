"""gunicorn settings for `make serve`, read like Django's from the environment or `.env`."""

from pathlib import Path

import environ

env = environ.Env()
environ.Env.read_env(Path(__file__).with_name(".env"), overwrite=False)

wsgi_app = "dashboard.wsgi"
bind = env.list("BIND", default=["127.0.0.1:8000"])
workers = env.int("WEB_CONCURRENCY", default=4)
# The proxies whose X-Forwarded-Proto is believed (comma-separated addresses, or "*").
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1")
timeout = 60
graceful_timeout = 30
# Recycle workers now and then, staggered, so that no leak can grow without bound.
max_requests = 2000
max_requests_jitter = 200
