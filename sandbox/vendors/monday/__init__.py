"""monday.com platform API sandbox, from docs/vendors/monday.md.

One GraphQL endpoint, ``POST /monday/v2``, executed by graphql-core against monday's official SDL
(``specs/monday/schema.graphql``).

    contract.py     constants, seeded tokens, error shapes; everything UNCONFIRMED in one dict
    api.py          the endpoint: auth, validation, execution, the envelope
    gateway.py      per-account limits on every request, RateLimit headers, refusal bodies (§6)
    control.py      what tests and the demo do as a board user; the webhook events a change fires
    resolvers.py    (type, field) → resolver
    boards.py       boards, columns, groups, items and their write semantics
    columns.py      column value JSON per column type (§4)
    items_query.py  items_page query_params rules and cursors (§5)
    limits.py       complexity per query and minute, daily calls, concurrency (§6)
    webhooks.py     challenge, signed deliveries from a background thread, retries (§7)
    oauth.py        OAuth authorization code for apps ("Connect monday.com"), all UNCONFIRMED
    seed.py         the demo account, users and boards
"""
from sandbox.vendors.monday.api import MondaySandbox
from sandbox.vendors.monday.contract import (  # noqa: F401  (what tests and the demo use)
    ACCOUNT_ID,
    ADMIN_USER_ID,
    APP_SIGNING_SECRET,
    APP_TOKEN,
    DEMO_TOKEN,
    MEMBER_USER_ID,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    RESTRICTED_TOKEN,
    UNCONFIRMED,
    sdl_schema,
)

SANDBOX = MondaySandbox
