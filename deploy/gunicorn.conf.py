"""gunicorn settings for an elearn app host (used by deploy/elearn.service and the two-host test).

Every value can be set from the environment file (/etc/elearn/elearn.env), so hosts differ only there.
"""
import multiprocessing
import os

#: Where nginx reaches this host: its private address (or 127.0.0.1 when nginx runs on the same host).
bind = os.environ.get("ELEARN_BIND", "127.0.0.1:8000")
#: Sync workers, each one request at a time; 2 × cores + 1 as gunicorn suggests.
workers = int(os.environ.get("ELEARN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
#: The app is loaded once in the master and forked (faster starts, shared memory); new code needs a restart.
preload_app = True
#: A request that takes longer is killed (exports stream well within it).
timeout = int(os.environ.get("ELEARN_WORKER_TIMEOUT") or 60)
#: On stop (SIGTERM) workers finish the requests they hold for up to this long.
graceful_timeout = 30
keepalive = 5
#: A worker is replaced after this many requests (bounded memory growth), jittered so they do not restart together.
max_requests = 2000
max_requests_jitter = 200
#: nginx's address: only it may send X-Forwarded-*; elearn trusts ELEARN_TRUSTED_PROXIES hops of them.
forwarded_allow_ips = os.environ.get("ELEARN_PROXY_ADDRESSES", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("ELEARN_LOG_LEVEL", "info")
#: Request line and header limits (nginx has the same); the body limit is ELEARN_MAX_CONTENT_LENGTH.
limit_request_line = 8190
limit_request_fields = 100
wsgi_app = "elearn:create_app()"
