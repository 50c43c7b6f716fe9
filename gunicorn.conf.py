"""gunicorn's settings for the portal (read from the working directory: `make serve-prod`,
`make bench`, a province's systemd unit running `gunicorn wsgi:app` from here).

The worker class holds open connections: the meeting day's screens keep an event stream
(server-sent events) open for hours. gthread runs each request on a thread of a pool, so a
waiting stream is a parked thread that holds no database connection (it waits on the
process's listener, `portal.runner.live`), while ordinary requests take the other threads.
gthread needs no monkey-patching (gevent would have to patch psycopg, ICU and reportlab
calls to keep them from blocking the loop), and every library works as in a sync worker.
With THREADS=64 per worker, two workers hold 100 screens and still serve pages; the
database pool (SQLAlchemy's 5 + 10 per process) is only used by requests that query.
"""
import os
import signal

worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "4"))
threads = int(os.environ.get("THREADS", "64"))
keepalive = 5
# A stream ends by itself after a few minutes (the browser reconnects); a worker that is
# told to stop ends its streams at once (below), so a restart does not wait on them.
graceful_timeout = 30


def post_worker_init(worker):
    """On SIGTERM/SIGINT/SIGQUIT the worker first wakes and ends its event streams."""
    from portal.runner.live import hub

    for sig, handler in ((signal.SIGTERM, worker.handle_exit),
                         (signal.SIGQUIT, worker.handle_quit),
                         (signal.SIGINT, worker.handle_quit)):
        def stop(signum, frame, handler=handler):
            hub.close()
            handler(signum, frame)

        signal.signal(sig, stop)
