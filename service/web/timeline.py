"""The chronology over HTTP: ``/timeline`` as a page, JSON or CSV, filtered by force, person
and theme (``?force=``, ``?person=``, ``?theme=``: IRIs or CURIEs)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from service.formats import CSV, JSON
from service.protocol.conneg import TIMELINE
from service.query.chain import expand_iri
from service.query.timeline import KINDS, Row, timeline
from service.web.context import read
from service.web.pages import href, html, negotiate

bp = Blueprint("timeline", __name__)
FILTERS = ("force", "person", "theme")
CSV_COLUMNS = ("date", "kind", "label", "detail", "status", "quote", "source", "file", "iri")


def _filter(name: str) -> str:
    value = request.args.get(name, "").strip()
    return expand_iri(value) if value else ""


@bp.route("/timeline", methods=["GET", "HEAD"])
def timeline_page() -> Response:
    """Every dated event, report, statement, deadline and status, oldest first."""
    fmt = negotiate(TIMELINE)
    chosen = {name: _filter(name) for name in FILTERS}
    found = read(timeline, chosen["force"], chosen["person"], chosen["theme"])
    if fmt is JSON:
        return jsonify(
            {
                "filters": chosen,
                "total": found.total,
                "rows": [
                    {**asdict(r), "page": href(r.iri), "what": KINDS[r.kind]} for r in found.rows
                ],
            }
        )
    if fmt is CSV:
        resp = Response(_csv(found.rows), content_type=CSV.content_type)
        resp.headers["Content-Disposition"] = 'inline; filename="cpkg-timeline.csv"'
        return resp
    return html("timeline.html", timeline=found, chosen=chosen, kinds=KINDS)


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.date,
                KINDS[r.kind],
                r.label,
                r.detail,
                r.status,
                r.quote,
                r.source_label,
                r.file,
                r.iri,
            ]
        )
    return out.getvalue()
