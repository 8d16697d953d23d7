"""Choose the WSGI server by measurement: granian (what ``cpkg serve`` runs) vs gunicorn.

Serves the same app (``service.web.create_app`` on the embedded store, ``--data FILE``) under
each server with 2 worker processes, the store preloaded and shared copy-on-write, and measures
part of the query mix with wrk, with the answer cache on and off. ``granian`` is the project's
own ``service.server.serve``; gunicorn (gthread and sync workers) is a dev dependency kept for
this comparison only.

    python -m bench.wsgi_compare --data bench/scratch/data-100k.nq --duration 5
    python -m bench.wsgi_compare --serve gunicorn-sync --data FILE --port 8123     # one server
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import peers  # noqa: E402

VARIANTS = ("granian", "gunicorn-gthread", "gunicorn-sync")
QUERIES = ("point", "join", "aggregate", "construct")


def serve(variant: str, data: Path, port: int, workers: int) -> None:
    from service.config import Settings

    settings = Settings.from_env()
    if variant == "granian":
        from service.server import serve as serve_granian

        serve_granian(settings, "127.0.0.1", port, workers, [data])
        return
    from gunicorn.app.base import BaseApplication

    from service.store.embedded import open_store
    from service.web import create_app

    app = create_app(settings, open_store(settings, [data]))
    options = {
        "bind": f"127.0.0.1:{port}",
        "workers": workers,
        "worker_class": "sync" if variant == "gunicorn-sync" else "gthread",
        "threads": settings.threads,
        "preload_app": True,
    }

    class Preloaded(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Preloaded().run()


class VariantServer(peers.Server):
    """This module's ``--serve VARIANT`` as a peers.Server (own process group, bounded start)."""

    def __init__(self, data: Path, variant: str, cache: bool, python: str) -> None:
        self.name = variant
        super().__init__(data)
        self.variant, self.cache, self.python = variant, cache, python

    def command(self) -> list[str]:
        return [self.python, "-m", "bench.wsgi_compare", "--serve", self.variant,
                "--data", str(self.data), "--port", str(self.port)]  # fmt: skip

    def env(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if not self.cache:
            env["CPKG_CACHE_BYTES"] = "0"
        return env


def compare(data: Path, duration: float, python: str) -> str:
    from bench.httpload import run_wrk
    from bench.queries import mix

    queries = [q for q in mix() if q.name in QUERIES]
    lines = [
        "| server | cache | " + " | ".join(f"{q.name} req/s (p99 ms)" for q in queries) + " |",
        "|---|---|" + "---|" * len(queries),
    ]
    for variant in VARIANTS:
        for cache in ("on", "off"):
            cells = []
            try:
                with VariantServer(data, variant, cache == "on", python) as server:
                    for q in queries:
                        run_wrk(server.endpoint, q.text, q.kind, duration=1)  # warm-up
                        r = run_wrk(server.endpoint, q.text, q.kind, duration=duration)
                        cells.append(f"{r.req_s:,.0f} ({r.p99_ms:.1f})")
                        print(f"{variant} cache={cache} {q.name}: {r.req_s:,.0f} req/s", flush=True)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                cells = [f"failed: {str(exc)[:60]}"] * len(queries)
            lines.append(f"| {variant} | {cache} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", choices=VARIANTS)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--python", default=sys.executable, help="the project's interpreter")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "wsgi.md")
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.data.resolve(), args.port, args.workers)
        return 0
    table = compare(args.data.resolve(), args.duration, args.python)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
