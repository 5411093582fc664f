# The connector image the Airbyte platform runs: `spec`, `check`, `discover`, `read`.
# BASE_IMAGE: the official Python image Airbyte's Python connectors build on (metadata.yaml's baseImage).
# The test suite, which reaches no registry, passes a local one of the same Debian release and Python.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

LABEL io.airbyte.name="airbyte/source-freshdesk" \
      io.airbyte.version="0.4.0"

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AIRBYTE_ENTRYPOINT="source-freshdesk"

WORKDIR /airbyte/integration_code

# Exactly what `pip install .` installs: the package, its manifest, schemas and components.
COPY setup.py README.md ./
COPY source_freshdesk ./source_freshdesk
RUN pip install . \
    && useradd --create-home --uid 1000 --shell /usr/sbin/nologin airbyte

USER 1000

ENTRYPOINT ["source-freshdesk"]
