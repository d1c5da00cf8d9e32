"""Celery beat entry point (exactly one per deployment): `celery -A services.workers.beat beat`."""

from services.workers.state import observe_beat
from shared.celery_app import create_celery
from shared.schedule import beat_schedule
from shared.settings import load_or_exit

app = create_celery("beat", load_or_exit())
app.conf.beat_schedule = beat_schedule()
observe_beat(app)
