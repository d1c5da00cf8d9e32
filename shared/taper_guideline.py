"""The 2025 guideline's reference values for the pace of a taper, quoted (never applied as advice) by the
notes on detected taper steps and by the questions a person can bring to their prescriber. One owner, so the
report and the plan never quote two different figures. Verbatim wording: docs/taper-plans.md."""

SOURCE = {
    "title": "Joint Clinical Practice Guideline on Benzodiazepine Tapering (ASAM, 2025), Recommendation 6",
    "url": "https://eguideline.guidelinecentral.com/i/1532950-benzodiazepine-tapering/7",
}
INITIAL_PERCENT_MAX = 10  # "dose reductions of 5% to 10% when determining the initial pace"
WINDOW_PERCENT_MAX = 25  # "should typically not exceed 25% every 2 weeks"
WINDOW_DAYS = 14
