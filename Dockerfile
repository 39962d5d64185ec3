# The SPBE evaluation assistant: the Telegram bot with its SQLite database on a volume.
#   docker build -t spbe-bot .
#   docker run -d --name spbe-bot -e SPBE_BOT_TOKEN=123456:ABC... -e SPBE_ADMIN_IDS=11111111 -v spbe-data:/data spbe-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPBE_DATABASE_PATH=/data/spbe.sqlite3

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
CMD ["spbe-bot", "run"]
