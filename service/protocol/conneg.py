"""Content negotiation: Accept header (q-values, wildcards) and the ``format`` override."""

from __future__ import annotations

from dataclasses import dataclass

from service.protocol.errors import NotAcceptable, ProtocolError
from service.protocol.serializers import FORMATS, Format, formats_for


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    order: int

    def specificity(self, media_type: str) -> int:
        """-1 if this range does not match; else 2 exact, 1 type/*, 0 */*."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header leniently: malformed entries are skipped, bad q means 1."""
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if "/" not in mt:
            if mt == "*":
                mt = "*/*"
            else:
                continue
        t, _, s = mt.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(t, s, q, order))
    return ranges


def _quality(fmt: Format, ranges: list[MediaRange]) -> tuple[float, int]:
    """(q, -order) of the most specific range matching the format or one of its aliases."""
    best: tuple[int, float, int] | None = None  # specificity, q, order
    for mt in (fmt.media_type, *fmt.aliases):
        for r in ranges:
            spec = r.specificity(mt)
            if mt != fmt.media_type and spec < 2:
                continue  # aliases only count when named exactly
            if spec >= 0 and (best is None or spec > best[0]):
                best = (spec, r.q, r.order)
    if best is None:
        return (0.0, 0)
    return (best[1], -best[2])


def negotiate(kind: str, accept: str | None, format_param: str | None = None) -> Format:
    """Choose the output format for a result kind ('results' or 'rdf').

    ``format`` (a short name like ``ttl`` or a media type) overrides Accept. Ties in q are
    broken by the client's order, then by ours. Raise NotAcceptable listing what is offered.
    """
    offered = formats_for(kind)
    types = [f.media_type for f in offered]
    if format_param:
        key = format_param.strip().lower()
        key_mt = key.split(";")[0].strip()
        for f in offered:
            if key in f.names or key_mt == f.media_type or key_mt in f.aliases:
                return f
        if not any(key in f.names or key_mt == f.media_type for f in FORMATS):
            names = sorted({n for f in FORMATS for n in f.names})
            raise ProtocolError(
                f"unknown format {format_param!r}; use one of {', '.join(names)} or a media type"
            )
        raise NotAcceptable(
            f"format {format_param!r} cannot express this result; offered: {', '.join(types)}",
            types,
        )
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    scored = [(_quality(f, ranges), -i, f) for i, f in enumerate(offered)]
    (q, _), _, best = max(scored, key=lambda x: (x[0], x[1]))
    if q <= 0:
        raise NotAcceptable(
            f"none of the accepted types ({accept}) is offered for this result; "
            f"offered: {', '.join(types)} (or use ?format=)",
            types,
        )
    return best
