"""gunicorn settings read from the project folder (gunicorn loads ./gunicorn.conf.py by itself)."""

# Let the app judge request-line length: it answers an over-long URL with a 414 problem+json,
# where gunicorn would answer with an HTML page.
limit_request_line = 0
