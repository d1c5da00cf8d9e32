"""gunicorn entry point: `gunicorn -c deploy/gunicorn.conf.py services.ingestion.wsgi:app`."""

from services.ingestion.app import SERVICE, create_app
from shared.runtime import start

app = create_app(start(SERVICE))
