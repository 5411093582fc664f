"""The `source-freshdesk` command: builds the declarative source from what the command line names, then runs it.

In airbyte-cdk 7 the concurrent declarative source takes the config, catalog and state as constructor
arguments and `read` uses those, so the source is built after the arguments are parsed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")


class SourceFreshdesk(YamlDeclarativeSource):
    """The packaged manifest, with its schemas and components, as an Airbyte source."""

    def __init__(
        self,
        catalog: Optional[Any] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[Any] = None,
        config_path: Optional[str] = None,
    ) -> None:
        super().__init__(
            path_to_yaml=str(MANIFEST_PATH),
            catalog=catalog,
            config=config,
            state=state,
            config_path=config_path,
        )


def create_source(args: List[str]) -> SourceFreshdesk:
    """Builds the source from the config, catalog and state files that `args` name (each may be absent)."""
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    return SourceFreshdesk(
        catalog=SourceFreshdesk.read_catalog(catalog_path) if catalog_path else None,
        config=SourceFreshdesk.read_config(config_path) if config_path else None,
        state=SourceFreshdesk.read_state(state_path) if state_path else None,
        config_path=config_path,
    )


def run(args: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if args is None else args
    launch(create_source(args), args)


if __name__ == "__main__":
    run()
