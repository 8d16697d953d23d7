"""Protocol-level errors: the request itself is wrong, with the HTTP status to answer."""

from __future__ import annotations

from service.errors import CpkgError


class ProtocolError(CpkgError):
    """A SPARQL protocol violation the client can fix; ``status`` is the HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class NotAcceptable(ProtocolError):
    """No offered format satisfies the Accept header / ``format`` parameter."""

    status = 406

    def __init__(self, message: str, offered: list[str]) -> None:
        super().__init__(message)
        self.offered = offered
