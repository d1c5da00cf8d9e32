"""Task contracts: the names, queues and payload schemas the services agree on.

A producer sends a contract's name with `shared.queue.enqueue`; only the consumer imports the function
that implements it. Queues are one per consumer so a slow report build never delays an email.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from shared.address import EmailAddress

QUEUE_SUMMARIES = "summaries"
QUEUE_REPORTS = "reports"
QUEUE_EMAIL = "email"

# Which queues each worker process consumes; deploy files and tests check themselves against these.
WORKER_QUEUES = (QUEUE_SUMMARIES, QUEUE_REPORTS)
NOTIFICATION_QUEUES = (QUEUE_EMAIL,)
ALL_QUEUES = WORKER_QUEUES + NOTIFICATION_QUEUES


class PipelineProbePayload(Schema):
    probe_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


@dataclass(frozen=True)
class TaskContract:
    name: str
    queue: str
    schema: type[Schema]


WORKERS_PIPELINE_PROBE = TaskContract("workers.record_pipeline_probe", QUEUE_SUMMARIES, PipelineProbePayload)
NOTIFICATION_PIPELINE_PROBE = TaskContract(
    "notification.record_pipeline_probe", QUEUE_EMAIL, PipelineProbePayload
)


class SendEmailPayload(Schema):
    """One logical email: which template, to whom, with what data, under which idempotency key."""

    template = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,64}$"))
    to = EmailAddress(required=True)
    data = fields.Dict(keys=fields.String(), load_default=dict)
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    user_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class NoPayload(Schema):
    pass


class PersonPayload(Schema):
    user_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


class BuildExportPayload(Schema):
    export_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


class EraseAddressPayload(Schema):
    """Forget an erased account's address, then confirm the erasure to it under the idempotency key."""

    to = EmailAddress(required=True)
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))


SEND_EMAIL = TaskContract("notification.send_email", QUEUE_EMAIL, SendEmailPayload)
SWEEP_OUTBOX = TaskContract("notification.sweep_outbox", QUEUE_EMAIL, NoPayload)
RECOMPUTE_PERSON = TaskContract("summaries.recompute_person", QUEUE_SUMMARIES, PersonPayload)
SWEEP_RECOMPUTE = TaskContract("summaries.sweep_recompute_requests", QUEUE_SUMMARIES, NoPayload)
CLOSE_DAYS = TaskContract("summaries.close_days", QUEUE_SUMMARIES, NoPayload)


class ReportPayload(Schema):
    report_id = fields.String(required=True, validate=validate.Length(min=1, max=120))


BUILD_REPORT = TaskContract("reports.build_report", QUEUE_REPORTS, ReportPayload)


class InvitationAcceptedPayload(Schema):
    invitation_id = fields.String(required=True)
    waitlist_entry_id = fields.String(required=True)


INVITATION_ACCEPTED = TaskContract("notification.invitation_accepted", QUEUE_EMAIL, InvitationAcceptedPayload)
SCAN_SCHEDULES = TaskContract("reports.scan_schedules", QUEUE_REPORTS, NoPayload)
BUILD_EXPORT = TaskContract("exports.build_export", QUEUE_REPORTS, BuildExportPayload)
PURGE_EXPORTS = TaskContract("exports.purge_expired", QUEUE_REPORTS, NoPayload)
ERASE_ADDRESS = TaskContract("notification.erase_address", QUEUE_EMAIL, EraseAddressPayload)

CONTRACTS: tuple[TaskContract, ...] = (
    WORKERS_PIPELINE_PROBE,
    NOTIFICATION_PIPELINE_PROBE,
    SEND_EMAIL,
    SWEEP_OUTBOX,
    RECOMPUTE_PERSON,
    SWEEP_RECOMPUTE,
    BUILD_EXPORT,
    PURGE_EXPORTS,
    ERASE_ADDRESS,
    CLOSE_DAYS,
    BUILD_REPORT,
    SCAN_SCHEDULES,
    INVITATION_ACCEPTED,
)


def contract_for(name: str) -> TaskContract:
    for contract in CONTRACTS:
        if contract.name == name:
            return contract
    raise KeyError(name)
