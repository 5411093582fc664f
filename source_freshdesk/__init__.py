"""Airbyte source connector for Freshdesk, built as a declarative manifest on airbyte-cdk."""

from source_freshdesk.run import SourceFreshdesk

__all__ = ["SourceFreshdesk"]
