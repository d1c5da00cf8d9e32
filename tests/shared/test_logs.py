import json
import logging

from shared.logs import JsonFormatter, request_id_var


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
