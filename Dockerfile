# Haven's server image, run by docker-compose.yml (several workers, non-root).
# Migrations are a deploy step (the compose file's one-shot `migrate` service runs
# `haven db upgrade`); the embedded NLU models are trained here, once, at build time,
# so workers only load them (read-only: the cache writes its files owner-only).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HAVEN_HOST=0.0.0.0 \
    HAVEN_PORT=8000 \
    HAVEN_VAR_DIR=/var/lib/haven \
    HAVEN_MODEL_DIR=/app/models \
    HAVEN_FLOWS_DIR=/app/flows \
    HAVEN_NLU_DIR=/app/nlu

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY common ./common
COPY nlu ./nlu
COPY resources_db ./resources_db
COPY flows ./flows
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && haven nlu train \
    && chmod -R a+rX /app/models \
    && groupadd --system --gid 10001 haven \
    && useradd --system --uid 10001 --gid haven --home-dir /var/lib/haven --create-home haven

# By number, so that orchestrators can tell it is not root without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
CMD ["haven", "serve", "--host", "0.0.0.0", "--workers", "2"]
