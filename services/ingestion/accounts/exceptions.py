"""What the account rules refuse, as problem+json."""

from shared.web.problems import DomainError


class SignInFailed(DomainError):
    status = 401
    title = "Sign-in failed"
    type_slug = "sign-in-failed"
    detail = "That code didn't work. Check the latest email from us, or ask for a new code."


class NotAuthenticated(DomainError):
    status = 401
    title = "Authentication required"
    detail = "Sign in again: this request needs a valid device token in an 'Authorization: Bearer' header."
    headers = {"WWW-Authenticate": 'Bearer realm="track-your-healing"'}


class AccountErased(DomainError):
    status = 401
    title = "Account erased"
    type_slug = "account-erased"
    detail = (
        "This account no longer exists: it was erased, with everything in it, at its owner's request. "
        "This device is signed out, and signing in again will not bring the account back."
    )
    headers = {"WWW-Authenticate": 'Bearer realm="track-your-healing", error="invalid_token"'}


class NotFound(DomainError):
    status = 404
    title = "Not found"
    detail = "There is nothing here, or it belongs to someone else."


class InvitationUnusable(DomainError):
    status = 410
    title = "This invitation can't be used"
    type_slug = "invitation-unusable"
    detail = "The invitation has expired, was already used, or the link is incomplete. Ask us for a new one."


class AlreadyRegistered(DomainError):
    status = 409
    title = "Account already exists"
    type_slug = "already-registered"
    detail = "An account already uses this email address. Sign in with a code instead."
