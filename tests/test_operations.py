"""The alert rules, their runbooks and the dashboard agree: every alert links a runbook section of
docs/operations.md that exists, every runbook is linked from its alert, and every series they use is ours
(tests/test_e2e_metrics.py checks each is exported) or a named exporter's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "track-your-healing.json"
OPERATIONS = ROOT / "docs" / "operations.md"
# Series from the data stores' exporters, each named in docs/operations.md.
EXTERNAL = {
    "redis_memory_used_bytes": "redis_exporter",
    "redis_memory_max_bytes": "redis_exporter",
    "kubelet_volume_stats_available_bytes": "kubelet",
    "kubelet_volume_stats_capacity_bytes": "kubelet",
    "container_memory_working_set_bytes": "cAdvisor",
    "container_spec_memory_limit_bytes": "cAdvisor",
}
SERIES = re.compile(r"\b((?:tyh|redis|kubelet|container)_[a-z0-9_]+)\b")
HISTOGRAM_PARTS = re.compile(r"_(bucket|count|sum)$")


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def series_in(expr: str) -> set[str]:
    return {HISTOGRAM_PARTS.sub("", name) for name in SERIES.findall(expr)}


def alert_series() -> set[str]:
    return {name for rule in rules() for name in series_in(rule["expr"])}


def runbook_sections() -> list[str]:
    alerts_part = OPERATIONS.read_text().split("\n## Alerts\n", 1)[1]
    return re.findall(r"^### (.+)$", alerts_part, flags=re.MULTILINE)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def test_every_alert_links_its_runbook_and_every_runbook_has_its_alert():
    sections = runbook_sections()
    linked = []
    for rule in rules():
        url = rule["annotations"]["runbook_url"]
        path, _, fragment = url.partition("#")
        assert path == "docs/operations.md", rule["alert"]
        assert fragment in {anchor(s) for s in sections}, f"{rule['alert']}: no runbook section #{fragment}"
        assert fragment == anchor(rule["alert"]), f"{rule['alert']} links another alert's runbook"
        assert rule["for"] and rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        linked.append(fragment)
    assert sorted(linked) == sorted(anchor(s) for s in sections), "a runbook without its alert (or twice)"


def test_alerts_cover_what_an_operator_must_hear_about():
    used = alert_series()
    for needed in (
        "tyh_queue_oldest_age_seconds",  # queue backlog
        "tyh_summary_freshness_seconds",  # freshness lag
        "tyh_outbox_oldest_age_seconds",  # outbox stuck
        "tyh_waitlist_inbox_oldest_age_seconds",  # waitlist sign-ups not stored
        "tyh_http_requests_total",  # 5xx rate
        "tyh_task_runs_total",  # task failure rate
        "tyh_beat_sends_total",  # beat not running
        "redis_memory_used_bytes",  # data-store memory
        "kubelet_volume_stats_available_bytes",  # data-store disk
        "container_memory_working_set_bytes",
    ):
        assert needed in used, needed


def test_series_outside_ours_come_from_exporters_the_runbook_names():
    text = OPERATIONS.read_text()
    used = alert_series() | {
        name
        for panel in json.loads(DASHBOARD.read_text())["panels"]
        for target in panel["targets"]
        for name in series_in(target["expr"])
    }
    for name in used - {n for n in used if n.startswith("tyh_")}:
        assert name in EXTERNAL, f"{name}: neither ours nor a known exporter's"
        assert EXTERNAL[name] in text, f"docs/operations.md does not name {EXTERNAL[name]}"


def test_the_dashboard_is_valid_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
