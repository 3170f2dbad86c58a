"""gunicorn settings read from the project folder (gunicorn loads ./gunicorn.conf.py by itself).

The app answers every limit it can with problem+json, so gunicorn's own limits are set above the app's:
the app sees a long URL (414), many or long headers (431) and a large body (413) first. What gunicorn
still refuses itself (a request line or header it cannot parse as HTTP at all, a header block beyond the
limits below) it answers with its own plain 400; nothing else from the service is HTML.
"""

import os

# Let the app judge request-line length: it answers an over-long URL with a 414 problem+json.
limit_request_line = 0
# Above the app's 100 fields of 8190 bytes (api/http/input_limits.py), which answers 431 problem+json.
limit_request_fields = 1000
limit_request_field_size = 16384

# Every request ends within PEDIGREE_REQUEST_TIMEOUT (the app's watchdog answers 503); a worker whose
# main loop is stuck for three times that is killed and replaced by the arbiter.
_request_timeout = float(os.environ.get("PEDIGREE_REQUEST_TIMEOUT", 10))
timeout = int(_request_timeout * 3) + 5
graceful_timeout = int(_request_timeout) + 5
# Recycle workers now and then (threads stuck in a C call that nothing could interrupt go with them). Rarely:
# a new worker starts with an empty read cache (at a few thousand requests a second, 20,000 was every few seconds).
max_requests = 1_000_000
max_requests_jitter = 100_000


def post_worker_init(worker):
    """Move what start-up built (the app, its catalogue and caches) out of the garbage collector's sight.

    Every full collection would otherwise walk those long-lived objects again; on a 1,000-model compliance
    check that was about a third of the request's time (measured: 140 ms with, 135-215 ms without).
    """
    import gc

    gc.freeze()
