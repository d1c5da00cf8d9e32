"""Taper plans: what a person and their prescriber agreed (store), the schedule that follows from it
(schedule) and the facts the person may want to bring to their prescriber (questions).

The platform computes what follows from the plan as entered; it never proposes a dose, a step, a switch or
a date of its own (docs/taper-plans.md).
"""
