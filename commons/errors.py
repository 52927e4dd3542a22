"""The one error family: what a service raises when it will not do what it was asked.

Services raise these with a French message written at the point of raise, for the person who
asked; the request lifecycle (:mod:`commons.lifecycle`) rolls the transaction back and shows
the message: on the form being submitted when the view asked for it (:func:`lifecycle.attempt`),
otherwise on a French error page with the status of the class.

================  ======  =========================================================
class             status  meaning
================  ======  =========================================================
``Refused``       422     the request is understood but the rules refuse it (bad
                          value, wrong state, missing consent…)
``Forbidden``     403     the person may see the thing but not do this to it
``NotFound``      404     the thing does not exist *for this person* (a private
                          thing one may not see is "not found", never "forbidden")
``Conflict``      409     someone else changed it first (stale revision, duplicate)
``TooMany``       429     too many attempts; ``retry_after`` in seconds
================  ======  =========================================================

Feature rooms subclass these (``RexError(Refused)``…) only to let callers tell them apart.
"""

from __future__ import annotations


class CommonsError(Exception):
    """Base of the family: a French message and an HTTP status."""

    status = 400
    default_message = "La demande ne peut pas aboutir."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        """The French message shown to the person."""
        return str(self.args[0])


class Refused(CommonsError, ValueError):
    """The rules refuse the request (a value, a state, a consent missing). Also a
    ``ValueError``, so a refusal raised inside a WTForms validator becomes a field error."""

    status = 422
    default_message = "Cette action n'est pas possible."


class Forbidden(CommonsError):
    """The person may not do this."""

    status = 403
    default_message = "Vous n'avez pas le droit de faire cette action."


class NotFound(CommonsError):
    """The thing does not exist for this person."""

    status = 404
    default_message = "Cette page n'existe pas ou n'est pas accessible."


class Conflict(CommonsError):
    """Someone else changed the thing first."""

    status = 409
    default_message = "Quelqu'un d'autre a modifié cet élément entre-temps."


class TooMany(CommonsError):
    """Too many attempts: try again later."""

    status = 429
    default_message = "Trop de tentatives. Réessayez dans quelques minutes."

    def __init__(self, message: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after
