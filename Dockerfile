# yuqing-bot in a container: `docker compose up` (compose.yaml) runs it with PostgreSQL.
# Build alone: docker build -t yuqing-bot . ; settings are YUQING_* environment variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# what the wheel is built from (pyproject.toml): the package, its catalogs and shipped plans
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY locales ./locales
COPY plans ./plans
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /data --no-create-home yuqing \
    && mkdir -p /data /plans && chown yuqing /data
USER yuqing
WORKDIR /data

# SQLite in /data unless YUQING_DATABASE says postgresql://…; plans mounted at /plans;
# /healthz and /metrics on 9090 for the orchestrator and Prometheus; one JSON object a log line
ENV YUQING_DATABASE=/data/yuqing.db \
    YUQING_PLANS=/plans \
    YUQING_HTTP_PORT=9090 \
    YUQING_HTTP_LISTEN=0.0.0.0 \
    YUQING_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 9090 8443

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status != 200)"]

ENTRYPOINT ["yuqing-bot"]
CMD ["run"]
