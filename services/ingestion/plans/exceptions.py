"""What the plan rules refuse, as problem+json."""

from shared.languages import english as _
from shared.web.problems import DomainError


class NoPlan(DomainError):
    status = 404
    title = "Not found"
    detail = (
        "You have no taper plan yet. Enter the one you agreed with your prescriber with "
        "POST /v1/plan/versions."
    )


class PlanChanged(DomainError):
    """Optimistic concurrency: the change was made from a version that is no longer the newest."""

    status = 409
    title = "The plan changed meanwhile"
    type_slug = "plan-changed"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            _(
                "This change was made from an older version; the newest is version {version}. "
                "Look at it (GET /v1/plan) and make the change again from there."
            ).format(version=current_version),
            current_version=current_version,
        )


class EndBeforeStart(DomainError):
    status = 422
    title = "Unprocessable Entity"
    type_slug = "plan-end"

    def __init__(self, start_day: str) -> None:
        super().__init__(
            _("A plan ends on or after its start day ({day}). Choose that day or a later one.").format(
                day=start_day
            ),
            invalid_params=[{"name": "day", "reason": _("Use {day} or a later day.").format(day=start_day)}],
        )
