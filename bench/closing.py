"""The closing note: every missed target with what stands in the way."""

from __future__ import annotations

from collections.abc import Sequence

from .report import Section

_COLD = (
    "The first page of a new sort or filter reads all 100,000 stored records: any field may "
    "be sorted or filtered, so its keys are read out of the JSON columns (`numbers`, `texts`) "
    "row by row and no index can serve them. The order is then cached and the view's next "
    "pages (warm) read only their own rows. A cold page under 50 ms would need each field's "
    "keys in indexed columns of their own (or an expression index per field), which is not a "
    "small or safe change."
)
_WARM = (
    "A warm page still reads the view's whole cached order (one id per matching record) from "
    "Redis, then does the per-request work of any table page (section 5)."
)

WHY = {
    "(b)/(a) at 50 ms, 100 rows": (
        "≤ 1.10 over a 50 ms vendor leaves 5 ms for all the dashboard does on a request; its "
        "own work on an uncached 100-row partial is the overhead below (about 30 ms on this "
        "machine), so this ratio follows once the absolute overhead is under 5 ms."
    ),
    "overhead (b)-(a), 100 rows, 0 ms": (
        "What remains is Django's work per request, spread thinly (section 5): the middleware "
        "(session read and save, authentication, request log), rendering the page around the "
        "rows, formatting every cell, the vendor call's budget bookkeeping in Redis and "
        "storing the page in the cache. The loopback HTTP hop to gunicorn adds about 1 ms."
    ),
    "overhead (b)-(a), 500 rows, 0 ms": (
        "The same per-request work, plus formatting and rendering five times as many cells "
        "(3,500 for parallax's seven columns) and unpickling/pickling the larger cached page."
    ),
    "cached partial (d)": (
        "A cached page saves the vendor call only: the view still checks the session and "
        "membership, builds the client, formats the rows and renders the template (section "
        "5). Under 5 ms would need rendered HTML cached per user and table state, which is "
        "not a small or safe change."
    ),
    "snapshot: walk ÷ bound": (
        "The walk waits for its own storage, not for the vendor: the raised limit allows a "
        "request every 20 ms (5,000 records/s for the 20 s bound), and each page of 100 "
        "records is fetched, then stored in one transaction (every record's sort, filter and "
        "search keys, three JSON columns, the upsert and the progress) before the next is asked "
        "for. That takes about 21-23 ms per page on SQLite on this machine and 35-37 ms on "
        "PostgreSQL, where about 20 ms of it is the database's own work (the upsert into three "
        "jsonb columns and two indexes, the commit) and much of the rest psycopg's encoding of "
        "the rows. At linkit's documented limit (300 requests per minute, one every 200 ms) "
        "storing takes a small part of the time between requests. Meeting the bound at this "
        "rate would need fetching the next page while storing the last in another process, or "
        "a much cheaper store: neither is a small change (section 6 notes the small fix that "
        "was made)."
    ),
    "snapshot table page, SQLite, cold": _COLD,
    "snapshot table page, PostgreSQL, cold": _COLD,
    "snapshot table page, SQLite, warm": _WARM,
    "snapshot table page, PostgreSQL, warm": _WARM,
    "export of 100,000 records: records/s": (
        "Every record is encoded in Python (a CSV row or a JSON object per record) and the "
        "rows are read in chunks of 2,000 from the database; the figure shares two CPUs with "
        "the bench client and the rest of the machine."
    ),
    "concurrent: p95 of uncached table pages": (
        "The dashboard's own time per request grows under load: four gunicorn workers, "
        "Locust, Redis and the simulator share two cores (and this machine was shared with "
        "other work: see the load average above), so the 30-45 ms a page costs alone "
        "becomes more while other requests hold the CPUs. Section 2 also says whether any "
        "page waited for the vendor's rate budget."
    ),
}


def run(sections: Sequence[Section]) -> Section:
    missed = [target for section in sections for target in section.targets if target.met is False]
    notes = [
        f"{target.name} ({target.goal}; measured {target.measured}): "
        f"{WHY.get(target.name, 'see its section.')}"
        for target in missed
    ]
    return Section(
        key="closing",
        title="Closing note",
        intro="Every target is met."
        if not missed
        else "What stands in the way of each missed target:",
        notes=notes,
        data={"missed": [target.name for target in missed]},
    )
