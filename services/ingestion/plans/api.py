"""The taper plan API: the person's plan (each change a new version), its schedule with planned versus
logged doses, and the facts they may want to bring to their prescriber."""

from __future__ import annotations

from flask.views import MethodView

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.limits import limit_writes
from services.ingestion.plans import service
from services.ingestion.plans.schemas import (
    EndRequestSchema,
    PlanRequestSchema,
    PlanSchema,
    PlanVersionListSchema,
    QuestionListSchema,
    ScheduleQuerySchema,
    ScheduleSchema,
)
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation
from shared.web.problems import problem_responses

blp = Blueprint("plans", __name__, url_prefix="/v1/plan", description="Your taper plan and its schedule")

EXAMPLE = {
    "start_day": "2026-03-02",
    "medications": [
        {
            "medication": "clonazepam",
            "form": "tablet",
            "tablet_strength_mg": 0.5,
            "tablet_pieces": 2,
            "start_mg": 2,
            "method": "fixed_mg",
            "step_mg": 0.25,
            "interval_days": 14,
        }
    ],
    "holds": [],
}


@blp.route("")
class Plan(MethodView):
    @login_required
    @operation("getPlan")
    @blp.response(200, PlanSchema)
    @problem_responses(404)
    def get(self):
        """Your plan's newest version, with the next step, the projected finish and today's planned doses."""
        return service.newest(runtime_of().settings, current_user())

    @login_required
    @operation("deletePlan")
    @blp.response(204)
    @problem_responses(429)
    def delete(self):
        """Delete your plan: every version, at once and for good (to keep its history instead, end it with
        POST /v1/plan/end). Your logged doses stay. A repeat answers 204 again."""
        user = current_user()
        limit_writes(user["_id"])
        service.erase(user)


@blp.route("/end", methods=["POST"])
@login_required
@operation("endPlan")
@blp.arguments(EndRequestSchema, example={"day": "2026-12-06", "based_on_version": 3})
@blp.response(201, PlanSchema)
@problem_responses(404, 409, 429)
def end_plan(body):
    """End your plan on a day (its last day): saved as a new version with `ended_on`, so every earlier
    version stays. Nothing is planned after that day. Saving a new version later starts it again."""
    user = current_user()
    limit_writes(user["_id"])
    return service.end(runtime_of().settings, user, body)


@blp.route("/versions")
class PlanVersions(MethodView):
    @login_required
    @operation("listPlanVersions")
    @blp.response(200, PlanVersionListSchema)
    def get(self):
        """Every version of your plan, newest first: a change never rewrites an earlier one."""
        return {"versions": service.versions(current_user())}

    @login_required
    @operation("createPlanVersion")
    @blp.arguments(PlanRequestSchema, example=EXAMPLE)
    @blp.response(201, PlanSchema)
    @problem_responses(409, 429)
    def post(self, body):
        """Save the plan you agreed with your prescriber as its next version. We compute the schedule that
        follows from it; we never propose a dose, a step or a date. Send `based_on_version` to be told
        (409) when another change was saved since the version you started from. Counted with your
        other writes (429 with Retry-After past the limit)."""
        user = current_user()
        limit_writes(user["_id"])
        return service.save(runtime_of().settings, user, body)


@blp.route("/schedule", methods=["GET"])
@login_required
@operation("getPlanSchedule")
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, ScheduleSchema)
@problem_responses(404)
def get_schedule(query):
    """Each day's planned doses (mg, and tablets or mL), the steps, diazepam-equivalent totals with each
    factor's source, and planned versus logged doses up to today."""
    return service.schedule_between(current_user(), query.get("from_"), query.get("to"))


@blp.route("/questions", methods=["GET"])
@login_required
@operation("getPlanQuestions")
@blp.response(200, QuestionListSchema)
@problem_responses(404)
def get_questions():
    """Questions for my doctor: facts from your plan and your logs, with dates and sources. Never advice."""
    return service.questions(current_user())
