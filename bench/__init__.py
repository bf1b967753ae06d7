"""`make bench`: the backend's cached quotes endpoint against a bare WSGI app, same gunicorn."""
