"""What an erasure leaves behind it: writes already under way for the person when it ran."""
