"""The `source-freshdesk` command: builds the declarative source from what the command line names, and runs it.

Everything the connector does is in manifest.yaml and components.py, which the Connector Builder and
`source-declarative-manifest` run as they are. In airbyte-cdk 7 the declarative source takes the config,
catalog and state as constructor arguments and `read` uses those, so the source is built after the
arguments are parsed, then launched through the CDK's entrypoint. The command adds only what happens
before the manifest runs, where no manifest component can reach, and makes no HTTP call of its own:

- `SourceFreshdesk.read_state`: the legacy state files older platforms pass (one object keyed by stream
  name, or a LEGACY message). The CDK's entrypoint parses the state file before any component sees it:
  it fails on the first form and drops the second, so every stream would start again from `start_date`.
- `FreshdeskEntrypoint`: the CDK checks the config against the spec with jsonschema's bare message
  ("100 is greater than the maximum of 40"), before the manifest's own validations run; this names the
  field and what it should be, then runs the manifest's validations, whose message `check` would
  otherwise wrap and log with a traceback. It also stops a `read` whose catalog names a stream this connector does
  not have (the CDK marks it INCOMPLETE without a word), and says which saved states it ignores.
- `run`: a config error (a wrong field, an unreadable input file) ends with the Airbyte protocol's error
  message and no Python traceback; a bare `source-freshdesk` prints its usage.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, NoReturn, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    AirbyteStateType,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    FailureType,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import Spec as SpecModel
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.utils import AirbyteTracedException
from jsonschema import Draft7Validator

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")
LOGGER = logging.getLogger("airbyte")


class SourceFreshdesk(YamlDeclarativeSource):
    """The packaged manifest, with its schemas and components, as an Airbyte source."""

    def __init__(
        self,
        catalog: Optional[Any] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[Any] = None,
        config_path: Optional[str] = None,
    ) -> None:
        super().__init__(path_to_yaml=str(MANIFEST_PATH), catalog=catalog, config=config, state=state, config_path=config_path)

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        """Reads a state file, including the legacy forms: one object keyed by stream name
        (`{"tickets": {"updated_at": ...}}`), or a list holding one `{"type": "LEGACY", "data": {...}}`
        message. Both become one STREAM state per stream."""
        state = cls._read_json_file(state_path) if state_path else None
        if isinstance(state, list) and len(state) == 1 and isinstance(state[0], dict) and state[0].get("type") == "LEGACY":
            state = state[0].get("data") or {}
        if isinstance(state, dict) and "type" not in state:
            return [
                AirbyteStateMessageSerializer.load(
                    {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": stream_state}}
                )
                for name, stream_state in state.items()
                if isinstance(stream_state, dict)
            ]
        return super().read_state(state_path)


class FreshdeskEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, with the spec's violations named field by field, and the catalog checked.

    - A config that breaks the spec is reported field by field ("`num_workers` must be at most 40, not
      100."). Config fields the spec does not know are accepted (configs of older versions carry them),
      with a warning that names them.
    - A catalog naming a stream this connector does not have stops `read` before any request, naming the
      stream. State for an unknown stream is ignored, with a warning.
    """

    def validate_connection(self, source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:  # type: ignore[override]
        spec = source_spec.connectionSpecification
        problems = config_problems(config, spec)
        if problems:
            raise AirbyteTracedException(
                message="Config validation error: " + " ".join(problems), failure_type=FailureType.config_error
            )
        # The manifest's own validations (`spec.config_normalization_rules`), run here too: the CDK runs them
        # as it builds the streams, and `check` (CheckStream) would wrap their message in "Encountered an
        # error while discovering streams" and log it with a Python traceback.
        manifest_spec = ModelToComponentFactory().create_component(SpecModel, self.source.resolved_manifest["spec"], {})  # type: ignore[attr-defined]
        normalised = dict(config)
        manifest_spec.transform_config(normalised)
        manifest_spec.validate_config(normalised)
        unknown = sorted(key for key in config if key not in spec.get("properties", {}) and not key.startswith("_"))
        if unknown:
            LOGGER.warning(
                f"Ignoring config fields this connector does not use: {', '.join(unknown)}. They may come from "
                "another version of the connector and can be removed."
            )

    def read(  # type: ignore[override]
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog,
        state: List[AirbyteStateMessage],
    ) -> Iterable[AirbyteMessage]:
        self.set_up_secret_filter(config, source_spec.connectionSpecification)  # before any message is built
        known = {stream["name"] for stream in self.source.resolved_manifest["streams"]}  # type: ignore[attr-defined]
        unknown = sorted({configured.stream.name for configured in catalog.streams} - known)
        if unknown:
            raise AirbyteTracedException(
                message=f"The catalog selects streams this connector does not have: {', '.join(unknown)}. "
                "Refresh the source schema in the connection's settings and deselect them.",
                failure_type=FailureType.config_error,
            )
        for message in state or []:
            if message.type == AirbyteStateType.STREAM and message.stream is not None:
                name = message.stream.stream_descriptor.name
                if name not in known:
                    LOGGER.warning(f"Ignoring the saved state of stream '{name}': this connector has no such stream.")
        yield from super().read(source_spec, config, catalog, state)


def config_problems(config: Mapping[str, Any], spec: Mapping[str, Any]) -> List[str]:
    """One sentence per wrong field of `config`, naming the field and what it should be, in the spec's order."""
    properties: Mapping[str, Any] = spec.get("properties", {})
    problems: Dict[str, str] = {}
    for error in Draft7Validator(spec).iter_errors(config):
        required = re.match(r"'(.+)' is a required property", error.message) if error.validator == "required" else None
        name = required.group(1) if required else ".".join(str(part) for part in error.path)
        prop = properties.get(name, {})
        shown = "the value given" if prop.get("airbyte_secret") else repr(error.instance)
        if required or (error.validator in ("minLength", "pattern") and not str(error.instance).strip()):
            problem = f"`{name}` is {'missing' if name in spec.get('required', []) else 'empty'}."
        elif error.validator == "type":
            problem = f"`{name}` must be {_TYPE_NAMES.get(str(error.validator_value), error.validator_value)}, not {shown}."
        elif error.validator == "enum":
            problem = f"`{name}` must be one of {', '.join(map(str, error.validator_value))}, not {shown}."
        elif error.validator in ("minimum", "maximum"):
            bound = "at least" if error.validator == "minimum" else "at most"
            problem = f"`{name}` must be {bound} {error.validator_value}, not {shown}."
        elif error.validator == "pattern":
            problem = f"`{name}` must look like {prop.get('pattern_descriptor') or error.validator_value}, not {shown}."
        else:
            problem = f"`{name}`: {error.message}."
        description = str(prop.get("description", "")).split(". ")[0].rstrip(".")
        problems.setdefault(name, f"{problem} {description}." if description else problem)
    order = list(properties)
    return [problems[name] for name in sorted(problems, key=lambda n: order.index(n) if n in order else len(order))]


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false"}


def _read_input(what: str, read: Callable[[str], Any], path: Optional[str]) -> Any:
    """`read(path)`, or a config error naming the file when it cannot be read (not JSON, wrong shape)."""
    if not path:
        return None
    try:
        return read(path)
    except Exception as error:  # noqa: BLE001 - any failure to read an input file is the user's to fix
        raise AirbyteTracedException(
            message=f"The {what} file {path} cannot be read: {error}", failure_type=FailureType.config_error
        ) from None


def create_source(args: List[str]) -> SourceFreshdesk:
    """The source, built from the config, catalog and state files that `args` name (each may be absent)."""
    config_path = AirbyteEntrypoint.extract_config(args)
    return SourceFreshdesk(
        catalog=_read_input("catalog", SourceFreshdesk.read_catalog, AirbyteEntrypoint.extract_catalog(args)),
        config=_read_input("config", SourceFreshdesk.read_config, config_path),
        state=_read_input("state", SourceFreshdesk.read_state, AirbyteEntrypoint.extract_state(args)),
        config_path=config_path,
    )


def _fail(error: AirbyteTracedException) -> NoReturn:
    """Prints a config error as the Airbyte protocol's error message, without a stack trace, and exits 1."""
    message = error.as_sanitized_airbyte_message()
    if message.trace and message.trace.error:
        message.trace.error.stack_trace = None
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)
    sys.exit(1)


USAGE = """\
usage: source-freshdesk COMMAND [--config config.json] [--catalog catalog.json] [--state state.json]

Commands (the Airbyte protocol; every message is printed as one JSON line):
  spec       the connector's config specification
  check      whether the config can reach the Freshdesk account (--config)
  discover   the streams the account offers (--config)
  read       the records of the streams a catalog selects (--config, --catalog, optional --state)

`source-freshdesk COMMAND --help` shows the options of one command.
"""


def run(args: Optional[List[str]] = None) -> None:
    """`airbyte_cdk.entrypoint.launch` with FreshdeskEntrypoint; config errors end without a traceback.
    Without a command, prints the usage to stderr and exits 2 (the CDK would end in a traceback)."""
    args = sys.argv[1:] if args is None else args
    if not args:
        sys.stderr.write(USAGE)
        sys.exit(2)
    try:
        entrypoint = FreshdeskEntrypoint(create_source(args))
        with PRINT_BUFFER:
            for message in entrypoint.run(entrypoint.parse_args(args)):
                print(f"{message}\n", end="")
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.config_error:
            raise
        _fail(error)


if __name__ == "__main__":
    run()
