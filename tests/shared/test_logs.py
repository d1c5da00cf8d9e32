import json
import logging

import pytest

from shared.logs import ECHO_LOGGERS, PAYLOAD_LOGGERS, JsonFormatter, configure_logging, request_id_var


@pytest.fixture
def restored_logging():
    """configure_logging changes the process's loggers: put them back for the other tests."""
    root = logging.getLogger()
    named = [logging.getLogger(name) for name in ECHO_LOGGERS + PAYLOAD_LOGGERS]
    saved = (root.handlers[:], root.level, [logger.level for logger in named])
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for logger, level in zip(named, saved[2], strict=True):
        logger.setLevel(level)


def test_log_lines_are_json_with_request_id_and_extras():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.path = "/v1/events"
    token = request_id_var.set("rid-42")
    try:
        line = JsonFormatter("svc").format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["msg"] == "hello you"
    assert entry["service"] == "svc"
    assert entry["request_id"] == "rid-42"
    assert entry["path"] == "/v1/events"
    assert entry["level"] == "INFO"


def _written(capsys) -> list[str]:
    return [json.loads(line)["msg"] for line in capsys.readouterr().err.splitlines()]


def test_each_task_is_one_line_at_info_and_celerys_own_lines_come_back_at_debug(restored_logging, capsys):
    """shared.celery_app logs every run once with its outcome; Celery's received and succeeded lines would
    triple that, every 5 s for the outbox sweep alone. Its failures are never hidden."""
    trace, received = logging.getLogger("celery.app.trace"), logging.getLogger("celery.worker.strategy")
    configure_logging("svc", "INFO")
    received.info("Task notification.sweep_outbox[1] received")
    trace.info("Task notification.sweep_outbox[1] succeeded in 0.01s: 0")
    trace.error("Task notification.sweep_outbox[2] raised unexpected: OSError()")
    logging.getLogger("shared.celery_app").info("task done")
    assert _written(capsys) == ["Task notification.sweep_outbox[2] raised unexpected: OSError()", "task done"]

    configure_logging("svc", "DEBUG")
    received.info("Task notification.sweep_outbox[3] received")
    trace.info("Task notification.sweep_outbox[3] succeeded in 0.01s: 0")
    assert len(_written(capsys)) == 2
