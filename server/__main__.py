"""`python -m server --host H --port P`: migrate, seed the demo (embedded default, empty
database only), and serve."""

from __future__ import annotations

import argparse

from sanic import Sanic
from sanic.worker.loader import AppLoader

from server.app import create_app
from server.config import Settings
from server.demo import DEMO_LOGINS


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m server", description="定考通 server")
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.PORT)
    parser.add_argument("--workers", type=int, default=settings.WORKERS)
    args = parser.parse_args()

    if settings.is_embedded and args.workers > 1:
        raise SystemExit("The embedded default (in-process Redis stand-in) runs one worker; set REDIS_URL for more.")
    print(f"定考通 listening on http://{args.host}:{args.port}  (OpenAPI: /docs/openapi.json)")
    if settings.is_embedded:
        print("Embedded default: SQLite file, in-process Redis stand-in, local files under", settings.STORAGE_DIR)
        print(DEMO_LOGINS)
    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=args.workers, access_log=False, single_process=args.workers == 1)
    Sanic.serve_single(app) if args.workers == 1 else Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
