"""Every server-side string the taper plan and its dose reminders show a person informs and never tells them
what to do with a dose: the questions for the doctor, the reminder's push and email, the email link's page,
and the plan, dose and push APIs' problem details and descriptions (their modules' text, as OpenAPI and the
problems carry it). The app checks its own strings by the same rule (services/web/test/plan.test.ts)."""

import ast
import html
import re
from datetime import date, timedelta

from services.ingestion.doses import exceptions as dose_problems
from services.ingestion.plans import exceptions as plan_problems
from services.ingestion.push import exceptions as push_problems
from services.notification.email import templates
from services.notification.push import service as reminders
from services.workers.reports import plan as report_plan
from services.workers.summaries import taper as summary_taper
from shared.plans import doses, questions, schedule
from tests.factories import plans
from tests.factories.accounts import person
from tests.support.servers import ROOT

# The app's rule (plan.test.ts), with the other ways a sentence can turn a dose into an instruction.
ADVICE = re.compile(
    r"\b(you should|you must|you need to|try to|consider|slow down|speed up|reduce your|increase your|"
    r"lower your|raise your|cut your|cut down|pause your|hold your|stop your|stop taking|switch to|skip your|"
    r"take your|take it|don't forget|do not forget|remember to)\b",
    re.I,
)
# Modules whose text reaches the person as problem details, field reasons and OpenAPI descriptions.
API_MODULES = [
    f"services/ingestion/{part}/{name}.py"
    for part in ("plans", "doses", "push")
    for name in ("api", "exceptions", "schemas")
] + ["services/ingestion/doses/pages.py"]
TODAY = date(2026, 3, 10)


def _texts(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text())
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _questions() -> list[str]:
    def built(holds=None, **changes):
        medication = plans.diazepam_tablets(**changes)
        return schedule.build(plans.plan(medication, start_day="2026-03-01", holds=holds))

    wave = {"kind": "wave", "start": "2026-03-04", "last_day": "2026-03-09", "ongoing": True}
    fast = built(step_percent=20, interval_days=3)
    days = [TODAY - timedelta(days=d) for d in range(14, 0, -1)]
    logged = schedule.adherence(fast, {d.isoformat(): {"diazepam": 20.0} for d in days[1:]}, days)
    holds = [{"start": "2026-03-02", "until": "2026-03-04"}, {"start": "2026-03-05", "until": None}]
    found = questions.questions(fast, TODAY, [wave], logged) + questions.questions(
        built(holds, start_mg=60), TODAY, [], []
    )
    assert {q["kind"] for q in found} == {
        questions.HIGH_DAILY_DOSE,
        questions.NEXT_CUT_IN_WAVE,
        questions.FIRST_CUT_ABOVE_GUIDELINE,
        questions.PACE_ABOVE_GUIDELINE,
        questions.LOGGED_DIFFERS,
        questions.HOLD_LONGER,
    }
    return [q["text"] for q in found]


def _reminder(planned: list[doses.Dose]) -> list[str]:
    data = {
        "time": "08:00",
        "doses": [
            {
                **reminders.email_dose(d),
                "taken_url": "https://x.test/t",
                "skipped_url": "https://x.test/s",
            }
            for d in planned
        ],
        "settings_url": "https://x.test/settings",
    }
    email = templates.render(reminders.TEMPLATE, data, unsubscribe_url="https://x.test/u")
    pushed = reminders.push_message("u", "2026-03-10", "08:00", planned, ["t"] * len(planned))
    return [pushed["title"], pushed["body"], email.subject, email.text, email.html]


def _pages(client) -> list[str]:
    _user, headers = person(time_zone="Europe/Berlin")
    start = (date.today() - timedelta(days=2)).isoformat()
    times = [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]
    body = plans.plan(plans.clonazepam_tablets(), start_day=start, dose_times=times)
    saved = client.post("/v1/plan/versions", json=body, headers=headers)
    assert saved.status_code == 201, saved.json
    token = saved.json["progress"]["today_doses"][0]["token"]
    answers = [
        client.get(f"/doses/{token}?status=skipped"),
        client.post(f"/doses/{token}", data={"status": "skipped"}),
        client.get("/doses/not-a-token"),
        client.post("/v1/plan/end", json={"day": "2000-01-01"}, headers=headers),
    ]
    return [html.unescape(a.get_data(as_text=True)) for a in answers]


def test_no_plan_or_reminder_text_tells_the_person_what_to_do_with_a_dose(ingestion_app, db, redis):
    one = schedule.build(
        plans.plan(
            plans.clonazepam_tablets(), start_day="2026-03-01", dose_times=[{"time": "08:00", "share": 1}]
        )
    )
    crossover = schedule.build(
        plans.plan(
            plans.diazepam_tablets(),
            plans.clonazepam_tablets(start_mg=0, target_mg=1, step_mg=0.5),
            start_day="2026-03-01",
            dose_times=[{"time": "08:00", "share": 1}],
        )
    )
    problems = [
        plan_problems.NoPlan(),
        plan_problems.PlanChanged(3),
        plan_problems.EndBeforeStart("2026-03-01"),
        dose_problems.TokenUnusable(),
        dose_problems.TokenExpired(),
        dose_problems.DoseDeleted(),
        push_problems.PushNotConfigured(),
    ]
    texts = [
        *_questions(),
        *_reminder(doses.doses_on(one, TODAY)),
        *_reminder(doses.doses_on(crossover, TODAY)),
        *_pages(ingestion_app.test_client()),
        *(f"{p.title}. {p.detail} {p.extensions}" for p in problems),
        *(text for path in API_MODULES for text in _texts(path)),
        *report_plan.FACTS.values(),  # the doctor report's wording of the same facts, for its catalog
        *summary_taper.PACE_NOTES.values(),
    ]
    assert len(texts) > 100
    assert [t for t in texts if ADVICE.search(t)] == []
    # The rule itself catches what it is for.
    assert ADVICE.search("Your 08:00 dose: don't forget to take it") and ADVICE.search("Reduce your dose")
