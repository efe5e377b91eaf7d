"""Structured logs: every line of a run carries its ids; secrets are masked; plain text for development."""
import io
import json
import logging

import pytest

from audit.redaction import RedactingLogFilter
from mlconnector.logs import ContextFilter, JsonFormatter, PlainFormatter, log_context
from syncs.engine import sync_run_create
from syncs.engine.run import sync_run_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """The console handler as settings.LOGGING builds it (JSON), on a logger of the engine's."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingLogFilter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("syncs.engine.run")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_every_line_of_a_run_names_its_tenant_integration_run_and_connections(integration, lines):
    run = sync_run_create(integration=integration)
    sync_run_work(run=run, streams=[], work=lambda state: logging.getLogger("syncs.engine.run").info("page done"))
    logging.getLogger("syncs.engine.run").info("after the run")

    during, ended, after = lines()
    assert during["message"] == "page done" and during["level"] == "INFO"
    assert ended["message"].startswith(f"Run {run.pk} ended succeeded") and ended["run_id"] == run.pk
    assert (during["tenant_id"], during["integration_id"], during["run_id"]) == (
        integration.tenant_id, integration.pk, run.pk)
    assert (during["source_connection_id"], during["destination_connection_id"]) == (
        integration.source_id, integration.destination_id)
    assert "run_id" not in after  # the ids end with the run


def test_secrets_are_masked_in_json_lines(lines):
    with log_context(connection_id=7):
        logging.getLogger("syncs.engine.run").warning("token refused: Authorization: Bearer sk_live_abcdef123456")
    (line,) = lines()
    assert "sk_live_abcdef123456" not in line["message"] and line["connection_id"] == 7


def test_the_plain_format_appends_the_ids_that_are_set():
    record = logging.LogRecord("syncs", logging.INFO, __file__, 1, "hello", None, None)
    with log_context(run_id=5):
        ContextFilter().filter(record)
    assert PlainFormatter().format(record).endswith("INFO syncs hello [run_id=5]")
