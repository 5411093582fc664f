"""The bundle (`source_freshdesk.bundle`): the package's manifest made self-contained by text edits."""

from __future__ import annotations

import textwrap
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_freshdesk.bundle import (
    BUNDLE_COMPONENTS_PREFIX,
    HEADER,
    MANIFEST_PATH,
    PACKAGE,
    PACKAGE_COMPONENTS_PREFIX,
    SCHEMAS_COMMENT,
    BundleError,
    build_bundle,
    bundle_text,
    resolve,
    write_bundle,
)


@pytest.fixture(scope="module")
def bundle() -> Tuple[str, str]:
    """The bundle built once for the module: (manifest text, components text)."""
    return build_bundle()


@pytest.fixture(scope="module")
def resolved_bundle(bundle) -> Dict[str, Any]:
    return resolve(yaml.safe_load(bundle[0]))


def _comment_lines(text: str) -> List[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def _is_subsequence(needles: List[str], haystack: List[str]) -> bool:
    position = 0
    for needle in needles:
        while position < len(haystack) and haystack[position] != needle:
            position += 1
        if position == len(haystack):
            return False
        position += 1
    return True


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _without_schema_loaders(node: Any) -> Any:
    """The tree without any `schema_loader` entry, and with class names in the package's form."""
    if isinstance(node, dict):
        return {key: _without_schema_loaders(value) for key, value in node.items() if key != "schema_loader"}
    if isinstance(node, list):
        return [_without_schema_loaders(value) for value in node]
    if isinstance(node, str) and node.startswith(BUNDLE_COMPONENTS_PREFIX):
        return PACKAGE_COMPONENTS_PREFIX + node[len(BUNDLE_COMPONENTS_PREFIX):]
    return node


class TestBundleOfThePackage:
    """Contract: `build_bundle()` returns the package's manifest text with its comments kept in order,
    byte-identical from one run to the next, naming its classes `source_declarative_manifest.components.X`,
    giving every stream an InlineSchemaLoader with the schema the package loads at run time, valid
    against the CDK's declarative schema, and otherwise resolving to the package's manifest."""

    def test_given_package_manifest_when_bundled_then_every_comment_line_is_kept_in_order(self, bundle):
        package_comments = _comment_lines(MANIFEST_PATH.read_text(encoding="utf-8"))
        assert package_comments != []
        assert _is_subsequence(package_comments, _comment_lines(bundle[0]))

    def test_given_package_manifest_when_bundled_then_the_text_starts_with_the_header(self, bundle):
        assert bundle[0].startswith(HEADER + MANIFEST_PATH.read_text(encoding="utf-8").splitlines()[0] + "\n")
        assert SCHEMAS_COMMENT + "schemas:\n" in bundle[0]

    def test_given_two_runs_when_bundled_then_the_texts_are_byte_identical(self, bundle):
        assert build_bundle() == bundle

    def test_given_two_folders_when_written_then_the_files_are_identical(self, tmp_path):
        first = write_bundle(tmp_path / "first")
        second = write_bundle(tmp_path / "second")
        assert [path.name for path in first] == ["manifest.yaml", "components.py"]
        assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]

    def test_given_bundle_when_parsed_then_every_class_is_named_in_the_bundle_module(self, bundle):
        manifest = yaml.safe_load(bundle[0])
        strings = [value for value in _walk(manifest) if isinstance(value, str)]
        class_names = [node["class_name"] for node in _walk(manifest) if isinstance(node, dict) and "class_name" in node]
        assert class_names != []
        assert [name for name in class_names if not name.startswith(BUNDLE_COMPONENTS_PREFIX)] == []
        assert [value for value in strings if PACKAGE_COMPONENTS_PREFIX in value] == []
        assert [value for value in strings if PACKAGE in value] == []

    def test_given_bundle_when_resolved_then_each_stream_has_the_packages_schema_inline(self, bundle, resolved_bundle):
        loader = ResourceSchemaLoader(PACKAGE)
        streams = resolved_bundle["streams"]
        for stream in streams:
            schema_loader = stream["schema_loader"]
            if schema_loader["type"] == "CustomSchemaLoader":
                schema_loader = schema_loader["schema_loader"]
            assert schema_loader["type"] == "InlineSchemaLoader", stream["name"]
            assert schema_loader["schema"] == loader.get_schema(stream["name"]), stream["name"]
        schemas = yaml.safe_load(bundle[0])["schemas"]
        assert sorted(schemas) == sorted(stream["name"] for stream in streams)
        assert list(schemas) == sorted(schemas)

    def test_given_bundle_when_resolved_then_it_validates_against_the_declarative_component_schema(
        self, resolved_bundle
    ):
        validate_manifest(resolved_bundle, get_declarative_component_schema())

    def test_given_schema_loaders_and_class_names_aside_when_compared_then_the_bundle_equals_the_package(
        self, resolved_bundle
    ):
        package = resolve(yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8")))
        bundled = {key: value for key, value in resolved_bundle.items() if key != "schemas"}
        assert _without_schema_loaders(bundled) == _without_schema_loaders(package)


SYNTHETIC = textwrap.dedent(
    """\
    # A synthetic manifest.
    version: 7.39.1
    definitions:
      # The shared loader.
      schema_loader:
        type: JsonFileSchemaLoader
        file_path: "./source_freshdesk/schemas/{{ parameters.name }}.json"
      base_stream:
        type: DeclarativeStream
        schema_loader:
          $ref: "#/definitions/schema_loader"
      custom_loader:
        type: CustomSchemaLoader
        class_name: source_freshdesk.components.Loader
        schema_loader:
          $ref: "#/definitions/schema_loader"
      streams:
        # users: its comment names source_freshdesk.components.Loader, and keeps it.
        users:
          $ref: "#/definitions/base_stream"
          $parameters:
            name: users
        tickets:
          $ref: "#/definitions/base_stream"
          schema_loader:
            $ref: "#/definitions/custom_loader"
            class_name: 'source_freshdesk.components.Loader'
          $parameters:
            name: tickets
        events:
          type: DeclarativeStream
          name: events
          schema_loader:
            $ref: "#/definitions/schema_loader"
        inline:
          type: DeclarativeStream
          name: inline
          schema_loader:
            type: InlineSchemaLoader
            schema: {}
    streams:
      - $ref: "#/definitions/streams/users"
    """
)

SYNTHETIC_BUNDLE = textwrap.dedent(
    """\
    # A synthetic manifest.
    version: 7.39.1
    definitions:
      # The shared loader.
      schema_loader: {type: InlineSchemaLoader, schema: {}}  # bundle: every stream names its own inline schema
      base_stream:
        type: DeclarativeStream
        schema_loader:
          $ref: "#/definitions/schema_loader"
      custom_loader:
        type: CustomSchemaLoader
        class_name: source_declarative_manifest.components.Loader
        schema_loader:
          $ref: "#/definitions/schema_loader"
      streams:
        # users: its comment names source_freshdesk.components.Loader, and keeps it.
        users:
          schema_loader: {type: InlineSchemaLoader, schema: {$ref: "#/schemas/users"}}
          $ref: "#/definitions/base_stream"
          $parameters:
            name: users
        tickets:
          $ref: "#/definitions/base_stream"
          schema_loader:
            schema_loader: {type: InlineSchemaLoader, schema: {$ref: "#/schemas/tickets"}}
            $ref: "#/definitions/custom_loader"
            class_name: 'source_declarative_manifest.components.Loader'
          $parameters:
            name: tickets
        events:
          type: DeclarativeStream
          name: events
          schema_loader: {type: InlineSchemaLoader, schema: {$ref: "#/schemas/events"}}
        inline:
          type: DeclarativeStream
          name: inline
          schema_loader:
            type: InlineSchemaLoader
            schema: {}
    streams:
      - $ref: "#/definitions/streams/users"

    # bundle: each stream's schema as the package loads it at run time (shared $refs expanded), by name.
    schemas:
      events:
        title: events
      tickets:
        title: tickets
      users:
        title: users
    """
)


def _schema_of(name: str) -> Dict[str, Any]:
    return {"title": name}


class TestBundleText:
    """Contract: `bundle_text(manifest_text, schema_of)` returns the header, then the text with only
    these edits: the package's class-name prefix replaced in each scalar that starts with it; a
    `schema_loader` line inserted as the first entry of each named stream without one (inside the
    custom loader of a stream whose loader wraps a static schema); the stream's own file-based
    schema_loader value replaced; the shared file-based loader emptied, with a comment; then the
    `schemas:` map, sorted by name. Anything it cannot edit safely raises BundleError."""

    def test_given_synthetic_manifest_when_bundled_then_the_text_has_exactly_the_edits(self):
        assert bundle_text(SYNTHETIC, _schema_of) == HEADER + SYNTHETIC_BUNDLE

    def test_given_flow_style_stream_when_bundled_then_bundle_error_names_it(self):
        manifest = textwrap.dedent(
            """\
            definitions:
              streams:
                users: {type: DeclarativeStream, name: users}
            """
        )
        with pytest.raises(BundleError) as error:
            bundle_text(manifest, _schema_of)
        assert str(error.value) == (
            "definitions/streams/users is a flow-style mapping; the bundle can only add an entry to a block mapping"
        )

    def test_given_file_loader_outside_the_package_when_bundled_then_bundle_error_names_it(self):
        manifest = textwrap.dedent(
            """\
            definitions:
              schema_loader:
                type: JsonFileSchemaLoader
                file_path: "./elsewhere/{{ parameters.name }}.json"
            """
        )
        with pytest.raises(BundleError) as error:
            bundle_text(manifest, _schema_of)
        assert str(error.value) == (
            "definitions/schema_loader is a JsonFileSchemaLoader of './elsewhere/{{ parameters.name }}.json': the "
            "bundle inlines only the package's schemas (./source_freshdesk/schemas/), through definitions/schema_loader"
        )

    def test_given_comment_inside_a_replaced_loader_when_bundled_then_bundle_error_names_it(self):
        manifest = textwrap.dedent(
            """\
            definitions:
              events:
                type: DeclarativeStream
                name: events
                schema_loader:
                  # a comment the replacement would drop
                  type: JsonFileSchemaLoader
            """
        )
        with pytest.raises(BundleError) as error:
            bundle_text(manifest, _schema_of)
        assert str(error.value) == (
            "definitions/events/schema_loader holds a comment the bundle would lose when it replaces that value"
        )

    def test_given_top_level_schemas_when_bundled_then_bundle_error(self):
        with pytest.raises(BundleError) as error:
            bundle_text("schemas: {}\n", _schema_of)
        assert str(error.value) == "the manifest has a top-level `schemas:` map already; the bundle writes its own"
