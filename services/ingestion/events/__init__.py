"""Events: symptom, check-in, dose, taper-step and note logs, taken exactly once with the right time."""
