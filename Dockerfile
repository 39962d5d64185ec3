# The SPBE evaluation assistant: the Telegram bot with its SQLite database on a volume.
#   docker build -t spbe-bot .
#   docker run -d --name spbe-bot -e SPBE_BOT_TOKEN=123456:ABC... -e SPBE_ADMIN_IDS=11111111 -v spbe-data:/data spbe-bot
# With SPBE_WEBHOOK_URL set it serves webhooks on port 8080 instead of polling (several replicas
# behind a reverse proxy, on PostgreSQL: docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPBE_DATABASE_PATH=/data/spbe.sqlite3 \
    SPBE_WEBHOOK_LISTEN=0.0.0.0 \
    SPBE_WEBHOOK_PORT=8080

RUN useradd --create-home --uid 10001 spbe && mkdir -p /data && chown spbe /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY conversations ./conversations
COPY knowledge ./knowledge
COPY storage ./storage
RUN pip install --no-cache-dir .

USER spbe
VOLUME ["/data"]
EXPOSE 8080
CMD ["spbe-bot", "run"]
