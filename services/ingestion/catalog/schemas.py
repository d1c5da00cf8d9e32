"""Shapes of the catalogue answers, for the OpenAPI document; entries are served as the files hold them, each
with its `translations` added."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields


class Entry(Schema):
    """Catalogue entries carry more than these fields (source terms, verification notes): all are served."""

    class Meta:
        unknown = INCLUDE


class CatalogSourceSchema(Entry):
    title = fields.String()
    url = fields.String()
    note = fields.String(allow_none=True)


class SeverityLevelSchema(Entry):
    value = fields.Integer()
    label = fields.String(allow_none=True, metadata={"description": "only the ends (0 and 4) have words"})


class SeverityScaleSchema(Entry):
    min = fields.Integer()
    max = fields.Integer()
    levels = fields.List(fields.Nested(SeverityLevelSchema))
    source = fields.String()
    note = fields.String()


TRANSLATIONS = (
    "The entry's words in each language other than English that has them, by language code (`es`). Show "
    "these to a reader of that language; where a language, or a word, is missing, show the English."
)


class SymptomTranslationSchema(Schema):
    label = fields.String(metadata={"description": "the label in this language"})
    synonyms = fields.List(
        fields.String(),
        metadata={"description": "words people use in this language; search these and the English words too"},
    )
    red_flag_reason = fields.String(
        metadata={"description": "red flags only: why to seek urgent care now, in this language"}
    )


class MedicationTranslationSchema(Schema):
    name = fields.String(metadata={"description": "the generic name as this language writes it"})
    aliases = fields.List(
        fields.String(),
        metadata={
            "description": "brand names used where this language is spoken; search with the English ones"
        },
    )


class SymptomSchema(Entry):
    code = fields.String(metadata={"description": "what events send as `code`"})
    label = fields.String()
    group = fields.String()
    domain = fields.String(allow_none=True)
    synonyms = fields.List(fields.String(), metadata={"description": "words people use; search these too"})
    red_flag = fields.Boolean(metadata={"description": "logging it shows urgent-care guidance at once"})
    red_flag_reason = fields.String(allow_none=True)
    sources = fields.List(fields.String())
    translations = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(SymptomTranslationSchema),
        metadata={"description": TRANSLATIONS},
    )


class SymptomCatalogSchema(Entry):
    version = fields.String()
    severity_scale = fields.Nested(SeverityScaleSchema)
    symptoms = fields.List(fields.Nested(SymptomSchema))
    sources = fields.Dict(keys=fields.String(), values=fields.Nested(CatalogSourceSchema))


class EquivalentSchema(Entry):
    source = fields.String()
    mg_equivalent_to_10mg_diazepam = fields.Float(allow_none=True)
    range = fields.String(allow_none=True)
    value_basis = fields.String()


class MedicationSchema(Entry):
    code = fields.String(metadata={"description": "what dose events send as `medication`"})
    name = fields.String()
    aliases = fields.List(fields.String(), metadata={"description": "brand names, found under the generic"})
    diazepam_equivalents = fields.List(fields.Nested(EquivalentSchema))
    default_factor_source = fields.String(allow_none=True)
    translations = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(MedicationTranslationSchema),
        metadata={"description": TRANSLATIONS},
    )


class MedicationCatalogSchema(Entry):
    version = fields.String()
    reference_note = fields.String(metadata={"description": "to show beside any equivalence"})
    medications = fields.List(fields.Nested(MedicationSchema))
    sources = fields.Dict(keys=fields.String(), values=fields.Nested(CatalogSourceSchema))
