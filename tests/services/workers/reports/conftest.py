from datetime import timedelta

import pytest

from tests.services.workers.reports.test_render import TODAY
from tests.support.report_patients import generate_for_report


@pytest.fixture(scope="module")
def patient():
    """A generated person with 120 days of history ending the day before TODAY, six of them urgent."""
    return generate_for_report(3, days=120, end=TODAY - timedelta(days=1), red_flags=6)
