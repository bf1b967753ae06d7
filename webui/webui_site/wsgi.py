"""WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py webui_site.wsgi`."""

import os

from dashboard.metrics import create_every_series
from django.core.wsgi import get_wsgi_application

from servicekit.metrics import register_build_info
from webui_site import VERSION

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webui_site.settings")

application = get_wsgi_application()
# Published by serving processes only: management commands such as collectstatic (run at image
# build time, where the multiprocess metrics directory does not exist yet) stay out of metrics.
register_build_info("webui", VERSION)
create_every_series()
