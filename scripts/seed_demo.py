"""Seed the demo data into the configured database (empty databases only).

    python -m scripts.seed_demo          # seed if empty
    python -m scripts.seed_demo --list   # print a few demo physician ID numbers
"""

from __future__ import annotations

import argparse
import asyncio

from server.config import Settings
from server.listeners import close_resources, open_resources


async def _main(list_only: bool) -> None:
    runtime = await open_resources(Settings.from_env(), migrate_schema=True)
    try:
        from server.demo import seed_if_empty
        from server.models import Physician

        if not list_only:
            print("seeded" if await seed_if_empty() else "database not empty: nothing seeded")
        for p in await Physician.all().order_by("id").limit(5).prefetch_related("institution"):
            print(p.id_number, p.name, p.institution.name if p.institution else "")
    finally:
        await close_resources(runtime)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    asyncio.run(_main(parser.parse_args().list))
