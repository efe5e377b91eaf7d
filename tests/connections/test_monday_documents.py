"""Every document the monday.com client sends is valid against monday's official SDL, and carries no values."""
import graphql
import pytest

from connections.vendors.monday import documents
from sandbox.core import SPECS_DIR

BATCHES = {f"ItemsUpdate×{n}": documents.items_update_batch(n) for n in (1, 2, 7, documents.MAX_BATCH)}
ALL = {**documents.NAMED, **BATCHES}


@pytest.fixture(scope="module")
def schema():
    # Built here from the spec file, independently of the sandbox's copy.
    return graphql.build_schema((SPECS_DIR / "monday" / "schema.graphql").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_document_is_valid_against_the_sdl(schema, name):
    document = graphql.parse(ALL[name])

    assert graphql.validate(schema, document) == []
    [operation] = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    assert operation.name is not None  # named, so logs and the pacer can tell documents apart


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_document_takes_every_value_as_a_variable(name):
    strings = []

    class Strings(graphql.Visitor):
        def enter_string_value(self, node, *args):
            strings.append(node.value)

    graphql.visit(graphql.parse(ALL[name]), Strings())

    assert strings == []


def test_the_documents_are_named_as_listed():
    names = {name: graphql.get_operation_ast(graphql.parse(text)).name.value
             for name, text in documents.NAMED.items()}

    assert all(listed == actual for listed, actual in names.items()), names


def test_a_batch_is_bounded():
    with pytest.raises(ValueError):
        documents.items_update_batch(documents.MAX_BATCH + 1)
