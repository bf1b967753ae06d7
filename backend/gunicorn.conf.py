"""Production gunicorn config of the backend: gthread workers, app and metrics listeners."""

from servicekit import gunicorn_conf

bind = gunicorn_conf.binds("0.0.0.0:8000")
worker_class = "gthread"
workers = gunicorn_conf.workers()
threads = gunicorn_conf.threads()
timeout = gunicorn_conf.timeout()
graceful_timeout = gunicorn_conf.GRACEFUL_TIMEOUT
keepalive = 5
access_log_format = gunicorn_conf.ACCESS_LOG_FORMAT
logconfig_dict = gunicorn_conf.logconfig_dict
# gunicorn 27 opens a control socket under $HOME by default; nothing here uses it.
control_socket_disable = True
on_starting = gunicorn_conf.on_starting
child_exit = gunicorn_conf.child_exit
