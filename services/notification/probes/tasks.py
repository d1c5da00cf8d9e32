"""The notification worker's half of the pipeline probe."""

from celery import shared_task

from shared import probes
from shared.tasks import NOTIFICATION_PIPELINE_PROBE


@shared_task(name=NOTIFICATION_PIPELINE_PROBE.name, bind=True)
def record_pipeline_probe(self, probe_id: str) -> None:
    """Mark the probe processed; a redelivery finds it already done and changes nothing."""
    probes.mark_processed(probe_id, worker=self.request.hostname or "notification")
