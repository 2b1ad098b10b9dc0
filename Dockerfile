# syntax=docker/dockerfile:1
#
# Container image for the SLO Recommendation Engine: one image, three commands
# (`slo-engine serve`, `slo-engine worker`, `slo-engine scheduler`).
#
# Used by docker-compose.yml and the Helm chart (helm/slo-engine) to run the engine against
# Neo4j, Redis and Prometheus servers in their own containers. No Docker engine runs
# on the development machines or in CI, so this file is never built there: `make run`
# (the embedded default, which starts FalkorDB, Redis and Prometheus itself) is what
# runs on those machines.
#
# Two stages: the builder installs the project and its dependencies into a virtualenv;
# the runtime stage copies only that virtualenv, so no source tree, pip cache or build
# tooling ends up in the final image. Both stages use the same base image, so the
# virtualenv's interpreter path (/usr/local/bin/python3.11) is valid in both.

ARG PYTHON_IMAGE=python:3.11-slim
# promtool checks every rule file the engine generates (without it rules are served marked
# unchecked); amtool checks generated inhibit rules. Taken from the projects' own images.
ARG PROMETHEUS_IMAGE=prom/prometheus:v2.53.4
ARG ALERTMANAGER_IMAGE=prom/alertmanager:v0.28.1
FROM ${PROMETHEUS_IMAGE} AS prometheus
FROM ${ALERTMANAGER_IMAGE} AS alertmanager

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
# The whole build context (filtered by .dockerignore) rather than a list of folders:
# pyproject.toml at the root decides what goes into the package (backend/ plus any
# package data such as the Cypher files), and COPY fails on a path that does not exist.
COPY . .
RUN pip install .


FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    SLO_ENGINE_STATE_DIR=/var/lib/slo-engine

# A fixed, non-root uid/gid so volume ownership is predictable across rebuilds
# (and matches the Helm chart's securityContext.runAsUser, 10001).
RUN groupadd --system --gid 10001 slo \
    && useradd --system --uid 10001 --gid slo --no-create-home \
       --home-dir /var/lib/slo-engine --shell /usr/sbin/nologin slo \
    && mkdir -p /var/lib/slo-engine \
    && chown slo:slo /var/lib/slo-engine

COPY --from=builder /opt/venv /opt/venv
COPY --from=prometheus /bin/promtool /usr/local/bin/promtool
COPY --from=alertmanager /bin/amtool /usr/local/bin/amtool

USER slo
WORKDIR /var/lib/slo-engine

EXPOSE 8080

# python:3.11-slim has no curl or wget, so the check uses the standard library.
# urlopen raises on connection errors and on any non-2xx status, which exits non-zero.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/api/v1/health', timeout=4)"]

CMD ["slo-engine", "serve", "--host", "0.0.0.0", "--port", "8080"]
