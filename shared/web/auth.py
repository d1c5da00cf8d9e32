"""Operator authentication: a bearer token from settings, compared in constant time."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import request

from shared.web.problems import DomainError
from shared.web.service import settings_of


class OperatorAuthRequired(DomainError):
    status = 401
    title = "Authentication required"
    detail = "This endpoint needs the operator token in an 'Authorization: Bearer' header."
    headers = {"WWW-Authenticate": 'Bearer realm="operators"'}


def operator_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expected = settings_of().ops_token
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
            raise OperatorAuthRequired()
        return view(*args, **kwargs)

    return wrapper
