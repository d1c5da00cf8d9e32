"""gunicorn entry point: `gunicorn -c deploy/gunicorn.conf.py services.notification.wsgi:app`."""

from services.notification.app import SERVICE, create_app
from shared.runtime import start

app = create_app(start(SERVICE))
