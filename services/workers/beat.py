"""Celery beat entry point (exactly one per deployment): `celery -A services.workers.beat beat`."""

from services.workers.state import observe_beat
from shared.runtime import start
from shared.schedule import BEAT_SCHEDULE

runtime = start("beat")
app = runtime.celery
app.conf.beat_schedule = BEAT_SCHEDULE
observe_beat(runtime.settings)
