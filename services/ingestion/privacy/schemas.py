"""Export status answers and the erasure confirmation."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from shared.export import store
from shared.languages import english as _

ERASE_PHRASE = "erase my account"


def _is_erase_phrase(value: str) -> None:
    # A function rather than validate.Equal: the phrase is not published as an enum, so nothing
    # generated from the OpenAPI document can erase an account by accident.
    if value.strip().lower() != ERASE_PHRASE:
        message = _('Type "{phrase}" to confirm. Erasure cannot be undone.')
        raise ValidationError(message.format(phrase=ERASE_PHRASE))


class EraseSchema(Schema):
    confirm = fields.String(
        required=True,
        validate=_is_erase_phrase,
        metadata={"description": f'exactly "{ERASE_PHRASE}"'},
    )


class ErasedSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["erased"]))
    detail = fields.String(required=True)


class ExportSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    status = fields.String(
        required=True, validate=validate.OneOf([store.PENDING, store.BUILDING, store.READY, store.FAILED])
    )
    requested_at = fields.DateTime(required=True)
    ready_at = fields.DateTime()
    expires_at = fields.DateTime(metadata={"description": "the file is deleted after this"})
    size_bytes = fields.Integer()
    status_url = fields.String(required=True)
    download_url = fields.String(metadata={"description": "present once the export is ready"})
    detail = fields.String()
