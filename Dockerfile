# Haven's server image. Migrations are a deploy step: run `haven db upgrade` once
# per release (docker compose run --rm haven haven db upgrade), then start the server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HAVEN_HOST=0.0.0.0 \
    HAVEN_PORT=8000 \
    HAVEN_VAR_DIR=/var/lib/haven

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY common ./common
COPY nlu ./nlu
COPY resources_db ./resources_db
COPY flows ./flows
RUN pip install --no-cache-dir . \
    && useradd --system --home /var/lib/haven haven \
    && mkdir -p /var/lib/haven \
    && chown haven /var/lib/haven

ENV HAVEN_FLOWS_DIR=/app/flows \
    HAVEN_NLU_DIR=/app/nlu
USER haven
EXPOSE 8000
CMD ["haven", "serve"]
