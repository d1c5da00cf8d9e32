"""Task contracts: the names, queues and payload schemas the services agree on.

A producer sends a contract's name with `shared.queue.enqueue`; only the consumer imports the function
that implements it. Queues are one per kind of work, and heavy builds have a worker process of their own,
so a flood of report builds never delays an email, a summary or a scheduled scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from shared import languages
from shared.address import EmailAddress

QUEUE_SUMMARIES = "summaries"
QUEUE_PERIODIC = "periodic"  # beat's jobs: short scans that must run on time
QUEUE_REPORTS = "reports"  # report and export builds: seconds each, asked for by people
QUEUE_EMAIL = "email"

# Which queues each worker process consumes; deploy files and tests check themselves against these.
WORKER_QUEUES = (QUEUE_SUMMARIES, QUEUE_PERIODIC)  # process `workers`
REPORT_QUEUES = (QUEUE_REPORTS,)  # process `reports`: builds never take a summaries or scan slot
NOTIFICATION_QUEUES = (QUEUE_EMAIL,)  # process `notifier`
ALL_QUEUES = WORKER_QUEUES + REPORT_QUEUES + NOTIFICATION_QUEUES


class PipelineProbePayload(Schema):
    probe_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


@dataclass(frozen=True)
class TaskContract:
    name: str
    queue: str
    schema: type[Schema]
    # The payload fields a log line may show (ids); every other field is shown as hidden.
    logged: tuple[str, ...] = ()


WORKERS_PIPELINE_PROBE = TaskContract(
    "workers.record_pipeline_probe", QUEUE_SUMMARIES, PipelineProbePayload, ("probe_id",)
)
NOTIFICATION_PIPELINE_PROBE = TaskContract(
    "notification.record_pipeline_probe", QUEUE_EMAIL, PipelineProbePayload, ("probe_id",)
)


class SendEmailPayload(Schema):
    """The outbox record to send: what it says stays in the record (shared.email)."""

    outbox_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


class SignInCodeRequest(Schema):
    """Someone asked for a sign-in code for this address; the worker finds out whether it has an account.
    `language`: the one the app showed when asked (None: the account's)."""

    email = EmailAddress(required=True)
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(languages.LANGUAGES))


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
    # The account's, for the confirmation: the account is gone by the time it is written.
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(languages.LANGUAGES))


SEND_EMAIL = TaskContract("notification.send_email", QUEUE_EMAIL, SendEmailPayload, ("outbox_id",))
# On the email queue: a person waits for this one, and the email queue is never behind recomputes.
SEND_SIGN_IN_CODE = TaskContract("accounts.send_sign_in_code", QUEUE_EMAIL, SignInCodeRequest)
SWEEP_OUTBOX = TaskContract("notification.sweep_outbox", QUEUE_EMAIL, NoPayload)
RECOMPUTE_PERSON = TaskContract("summaries.recompute_person", QUEUE_SUMMARIES, PersonPayload, ("user_id",))
SWEEP_RECOMPUTE = TaskContract("summaries.sweep_recompute_requests", QUEUE_PERIODIC, NoPayload)
CLOSE_DAYS = TaskContract("summaries.close_days", QUEUE_PERIODIC, NoPayload)


class DoseReminderPayload(Schema):
    """The dose reminder record to send (shared.dose_reminders): an opaque id, nothing about the dose."""

    reminder_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


# The workers' scan creates each due dose reminder's record and asks the notifier to send it.
SCAN_DOSE_REMINDERS = TaskContract("reminders.scan_dose_reminders", QUEUE_PERIODIC, NoPayload)
SEND_DOSE_REMINDER = TaskContract(
    "notification.send_dose_reminder", QUEUE_EMAIL, DoseReminderPayload, ("reminder_id",)
)


class CheckInReminderPayload(Schema):
    """The person to remind and the local day the reminder is for: nothing else."""

    user_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))
    day = fields.Date(required=True)


# The workers' schedule asks the notifier to remind a person with a device that takes reminders.
SEND_CHECKIN_REMINDER = TaskContract(
    "notification.send_checkin_reminder", QUEUE_EMAIL, CheckInReminderPayload, ("user_id",)
)


class ReportPayload(Schema):
    report_id = fields.String(required=True, validate=validate.Length(min=1, max=120))


BUILD_REPORT = TaskContract("reports.build_report", QUEUE_REPORTS, ReportPayload, ("report_id",))


class InvitationAcceptedPayload(Schema):
    invitation_id = fields.String(required=True)
    waitlist_entry_id = fields.String(required=True)


class WaitlistJoinPayload(Schema):
    """A validated sign-up (the waitlist's JoinSchema), where it came from and with which browser: an item
    of the waitlist's sign-up inbox (and the payload of `notification.waitlist_join`, which requests sent
    before the inbox existed may still have queued)."""

    signup = fields.Dict(keys=fields.String(), required=True)
    ip = fields.String(required=True, validate=validate.Length(max=64))
    user_agent = fields.String(load_default="", validate=validate.Length(max=512))


WAITLIST_JOIN = TaskContract("notification.waitlist_join", QUEUE_EMAIL, WaitlistJoinPayload)
# Store the sign-ups waiting in the waitlist's inbox (shared/waitlist_inbox.py), in batches.
WAITLIST_STORE = TaskContract("notification.store_waitlist_signups", QUEUE_EMAIL, NoPayload)
INVITATION_ACCEPTED = TaskContract(
    "notification.invitation_accepted",
    QUEUE_EMAIL,
    InvitationAcceptedPayload,
    ("invitation_id", "waitlist_entry_id"),
)
SCAN_SCHEDULES = TaskContract("reports.scan_schedules", QUEUE_PERIODIC, NoPayload)
BUILD_EXPORT = TaskContract("exports.build_export", QUEUE_REPORTS, BuildExportPayload, ("export_id",))
PURGE_EXPORTS = TaskContract("exports.purge_expired", QUEUE_PERIODIC, NoPayload)
ERASE_ADDRESS = TaskContract("notification.erase_address", QUEUE_EMAIL, EraseAddressPayload)
# Sent with a delay by an erasure: what requests and tasks already under way wrote after it, erased too.
ERASE_LEFTOVERS = TaskContract("privacy.erase_leftovers", QUEUE_PERIODIC, PersonPayload, ("user_id",))

CONTRACTS: tuple[TaskContract, ...] = (
    WORKERS_PIPELINE_PROBE,
    NOTIFICATION_PIPELINE_PROBE,
    SEND_EMAIL,
    SEND_SIGN_IN_CODE,
    SWEEP_OUTBOX,
    RECOMPUTE_PERSON,
    SWEEP_RECOMPUTE,
    BUILD_EXPORT,
    PURGE_EXPORTS,
    ERASE_ADDRESS,
    ERASE_LEFTOVERS,
    CLOSE_DAYS,
    BUILD_REPORT,
    SCAN_SCHEDULES,
    INVITATION_ACCEPTED,
    WAITLIST_JOIN,
    WAITLIST_STORE,
    SCAN_DOSE_REMINDERS,
    SEND_DOSE_REMINDER,
    SEND_CHECKIN_REMINDER,
)


def log_repr(name: str, kwargs: dict) -> str:
    """How a task's arguments appear in log lines: the contract's logged fields, every other one hidden
    (addresses, codes and links never reach a log line)."""
    try:
        logged = contract_for(name).logged
    except KeyError:
        logged = ()
    return repr({key: kwargs[key] if key in logged else "<hidden>" for key in sorted(kwargs)})


def contract_for(name: str) -> TaskContract:
    for contract in CONTRACTS:
        if contract.name == name:
            return contract
    raise KeyError(name)
