"""One-line text from the public: line breaks and control characters are refused, everything else kept."""

import pytest
from marshmallow import ValidationError

from shared.single_line import MESSAGE, SingleLine


@pytest.mark.parametrize("text", ["Sam\r\nBcc: x@example.org", "Sam\n", "a\tb", "nul\x00", "bell\x07",
                                  "del\x7f", "nel\x85", "line\u2028sep", "para\u2029sep"])  # fmt: skip
def test_line_breaks_and_control_characters_are_refused(text):
    with pytest.raises(ValidationError) as refused:
        SingleLine().deserialize(text)
    assert refused.value.messages == [MESSAGE]


@pytest.mark.parametrize("text", ["Sam O'Neil", "Zoë Ångström", "李小龍", "José 🙂", "a  b"])
def test_ordinary_names_are_kept_as_typed(text):
    assert SingleLine().deserialize(text) == text
