"""gunicorn entry point: `gunicorn -c deploy/gunicorn.conf.py services.notification.wsgi:app`."""

from services.notification.app import SERVICE, create_app
from shared.logs import configure_logging
from shared.settings import load_or_exit

settings = load_or_exit()
configure_logging(f"{settings.service_name}:{SERVICE}", settings.log_level)
app = create_app(settings)
