"""The manifest uses no field the CDK deprecates.

The CDK reports a deprecated manifest field two ways, both when it parses the manifest's components (when
`check`, `discover` and `read` build the streams): a Python `DeprecationWarning` per component that sets
it, and a list of distinct messages that the Connector Builder shows with every test read, which the
declarative source hands out as `deprecation_warnings()`. Both are read here, around the two ways the
manifest is built: the `source-freshdesk` command (SourceFreshdesk) and the CDK's declarative source alone,
as source-declarative-manifest and the Builder build it (the bundle's components are the package's text,
see test_bundle.py). No private CDK name is used; the canary test below proves that the installed CDK still
reports a deprecated field by these two means, so that an empty list here is not the CDK gone quiet.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any, Callable, List, Mapping, Tuple

import pytest
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from source_freshdesk.run import SourceFreshdesk

from config_builder import ConfigBuilder
from source_runner import MANIFEST, manifest_source

# Not the manifest's: requests-cache warns where the CDK's HTTP client opens the HTTP cache of a stream read
# as a parent (airbyte_cdk/sources/streams/http/http_client.py passes `cache_name` with a backend already
# built). No manifest field causes it; only turning the CDK's parent cache off would avoid it.
NOT_THE_MANIFESTS = ("`cache_name` cannot be set after backend initialization;",)

URL_BASE_DEPRECATED = "Component type: `HttpRequester`. Field 'url_base' is deprecated. Use `url` field instead."
PATH_DEPRECATED = "Component type: `HttpRequester`. Field 'path' is deprecated. Use `url` field instead."


def built(build: Callable[[Mapping[str, Any]], ConcurrentDeclarativeSource]) -> Tuple[List[str], List[str]]:
    """(the Python DeprecationWarnings raised while the source and its streams are built, but requests-cache's;
    the source's `deprecation_warnings()`, what the Builder shows), for the messages of each."""
    config = ConfigBuilder().with_start_date("2024-01-01").build()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = build(config)
        streams = source.streams(config)
    assert len(streams) == 35, "the manifest's streams were not all built"
    raised = [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, DeprecationWarning) and not str(warning.message).startswith(NOT_THE_MANIFESTS)
    ]
    return raised, [log.message for log in source.deprecation_warnings()]


RUNTIMES = {
    "source-freshdesk": lambda config: SourceFreshdesk(config=config),
    "declarative source": lambda config: manifest_source(config=config),
}


class TestNoDeprecatedField:
    """Contract: building every stream of the manifest, in either runtime, raises no DeprecationWarning (but
    requests-cache's, see NOT_THE_MANIFESTS) and leaves the Builder's list of deprecations empty."""

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_the_manifest_when_every_stream_is_built_then_no_deprecation_warning(self, runtime):
        raised, builder_logs = built(RUNTIMES[runtime])

        assert raised == []
        assert builder_logs == []


class TestDeprecationCanary:
    """Contract (of the installed CDK): a requester with the deprecated `url_base` and `path`, the form this
    manifest had, is reported both ways. If this fails, the CDK reports deprecations otherwise: see
    airbyte_cdk/sources/declarative/models/base_model_with_deprecations.py and `deprecation_warnings()`, and
    make `built` read the new way before trusting TestNoDeprecatedField."""

    def test_given_a_requester_with_url_base_and_path_when_built_then_both_ways_report_them(self):
        manifest = copy.deepcopy(MANIFEST)
        requester = manifest["definitions"]["requester"]
        requester.pop("url", None)
        requester["url_base"] = "https://{{ config['domain'] }}/api/v2/"
        requester["path"] = "{{ parameters.api_path }}"

        raised, builder_logs = built(
            lambda config: ConcurrentDeclarativeSource(config=config, source_config=manifest)
        )

        assert sorted(set(raised)) == [PATH_DEPRECATED, URL_BASE_DEPRECATED], (
            "the CDK no longer raises a DeprecationWarning for a deprecated field: see this class's docstring"
        )
        assert builder_logs == [URL_BASE_DEPRECATED, PATH_DEPRECATED], (
            "the CDK's deprecation_warnings() no longer lists a deprecated field: see this class's docstring"
        )
