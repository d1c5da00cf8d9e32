"""Short text from the public that is one line (a name, a label, a device name): no line breaks and no
control characters. Such a value ends up in email headers and greetings, CSV cells, log-free admin pages and
HTML attributes, where a CR/LF or an invisible control character would break or disguise what is shown."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

from shared.languages import english as _

# Unicode's control characters (C0, DEL, C1; CR, LF, tab and NEL among them) and its line and paragraph
# separators.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MESSAGE = _("Use one line of text, without line breaks, tabs or control characters.")


class SingleLine(fields.String):
    """A string refused (422, naming the field) when it holds a line break or control character."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if NOT_ONE_LINE.search(text):
            raise ValidationError(MESSAGE)
        return text
