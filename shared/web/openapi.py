"""What makes each service's /openapi.json a contract generated clients can trust: the document's header
(licence, contact, server), rules stated on schemas, JSON bodies refused with 415 by one mechanism, and
the little helpers views use to declare who may call them and what files they answer with."""

from __future__ import annotations

import copy
from datetime import date
from functools import cache, wraps

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import make_response
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields, validate
from werkzeug.http import http_date

from shared.web.json_body import ApiBlueprint
from shared.web.media import require_json
from shared.web.problems import problem_responses

LICENSE = {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}
CONTACT = {"name": "Track Your Healing", "url": "https://trackyourhealing.org"}
# An instant with its UTC offset (RFC 3339): what AwareDateTime accepts, written so that a generated client
# or validator refuses a time without one before it is sent.
OFFSET_DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
BINARY = {"type": "string", "format": "binary"}


def spec_options(server_url: str, description: str) -> dict:
    """API_SPEC_OPTIONS: the document's info and its one server (where this deployment answers)."""
    return {
        "info": {"description": description, "license": LICENSE, "contact": CONTACT},
        "servers": [{"url": server_url.rstrip("/"), "description": "this deployment"}],
    }


class RulesConverter(OpenAPIConverter):
    """Rules across fields, so that the document refuses what a schema's validators refuse: `Meta.openapi`
    (e.g. `required_when`) is merged into the schema's component, and a schema whose `Meta.either` names
    two fields is published as the union of two complete shapes, one with each (see `either_variants`)."""

    def schema2jsonschema(self, schema):
        meta = getattr(schema, "Meta", None)
        either = getattr(meta, "either", None)
        if either:
            variants = either_variants(type(schema), *either)
            return {"oneOf": [self.resolve_nested_schema(variant) for variant in variants]}
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(meta, "openapi", {}))
        return jsonschema

    def field2property(self, field):
        ret = super().field2property(field)
        for rule in field.validators:  # apispec writes an exclusive Range bound as an inclusive one
            if isinstance(rule, validate.Range) and not rule.min_inclusive and "minimum" in ret:
                ret["exclusiveMinimum"] = ret.pop("minimum")
            if isinstance(rule, validate.Range) and not rule.max_inclusive and "maximum" in ret:
                ret["exclusiveMaximum"] = ret.pop("maximum")
        if "union" in field.metadata:
            key, schemas = field.metadata["union"]
            refs = {value: self.resolve_nested_schema(schema)["$ref"] for value, schema in schemas.items()}
            ret = {
                "oneOf": [{"$ref": ref} for ref in refs.values()],
                "discriminator": {"propertyName": key, "mapping": refs},
            }
        return ret


class RulesPlugin(MarshmallowPlugin):
    Converter = RulesConverter


class StrictBoolean(fields.Boolean):
    """JSON true or false, as the document says; marshmallow's Boolean also takes 1, 0, "yes", "on"..."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def offset_date_time(**kwargs) -> fields.AwareDateTime:
    """An ISO 8601 instant that must carry its UTC offset (422 otherwise), documented with the pattern."""
    metadata = {"pattern": OFFSET_DATE_TIME, **kwargs.pop("metadata", {})}
    return fields.AwareDateTime(format="iso", metadata=metadata, **kwargs)


@cache
def either_variants(schema: type[Schema], first: str, second: str) -> tuple[type[Schema], type[Schema]]:
    """The two shapes of a schema that takes exactly one of two fields: each requires its field and does
    not have the other, so every generator (and TypeScript's excess-property check) keeps the either/or,
    where `oneOf` members listing only `required` get lost by some generators."""

    def variant(given: str, other: str) -> type[Schema]:
        field = copy.copy(schema._declared_fields[given])
        field.required = True
        meta = type("Meta", (schema.Meta,), {"either": None, "exclude": (other,)})
        name = f"{schema.__name__}With{given.title().replace('_', '')}"
        return type(name, (schema,), {"Meta": meta, given: field})

    return variant(first, second), variant(second, first)


def required_when(field: str, value: str, then: str, then_type: str) -> dict:
    """`if`/`then` saying that when `field` is `value`, `then` (of type `then_type`) is given."""
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {"properties": {then: {"type": then_type}}, "required": [then]},
    }


def json_body(view):
    """The one mechanism for JSON bodies: anything but application/json (or +json) is 415, before parsing;
    the document lists the problems every JSON body can meet (malformed, too large, wrong type, invalid)."""
    return problem_responses(400, 413, 415, 422)(require_json(view))


class Blueprint(ApiBlueprint):
    """flask-smorest's Blueprint whose JSON `arguments` go through `json_body` (and are parsed by
    shared.web.json_body's one parser)."""

    def arguments(self, schema, *, location="json", **kwargs):
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        return lambda view: json_body(parse(view))


def operation(operation_id: str):
    """The operation's stable name, which generated clients turn into their method names."""
    return SmorestBlueprint.doc(operationId=operation_id)


def public(view):
    """Declare an operation callable without a token (an explicit empty security list)."""
    return SmorestBlueprint.doc(security=[])(view)


def sunset(day: date, successor: str):
    """Retire an operation as docs/api.md promises: the document marks it deprecated and names the day it
    stops, and every answer carries `Sunset` (RFC 8594) and a `Link` to what replaces it. Place it
    between the route and flask-smorest's decorators, so it sees their finished response."""
    when = http_date(day)
    note = f"Deprecated: stops working on {day.isoformat()}; use {successor} instead."

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            response = make_response(view(*args, **kwargs))
            response.headers["Sunset"] = when
            response.headers["Link"] = f'<{successor}>; rel="successor-version"'
            return response

        return SmorestBlueprint.doc(deprecated=True, description=note)(wrapper)

    return decorator


def file_answer(content_type: str, description: str, schema: dict | None = None):
    """Document a 200 that is a file (PDF, zip) or a page rather than JSON."""
    content = {content_type: {"schema": schema or BINARY}}
    return SmorestBlueprint.doc(responses={"200": {"description": description, "content": content}})


def union_of(key: str, schemas: dict[str, type]) -> dict:
    """Field metadata documenting a value as one of several schemas, told apart by `key` (its value ->
    the schema); RulesConverter turns it into `oneOf` with a discriminator."""
    return {"union": (key, schemas)}
