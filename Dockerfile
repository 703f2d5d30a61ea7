# syntax=docker/dockerfile:1
# Whatrack Chat: one image for `whatrack serve` (web) and `whatrack worker` (background jobs).
# Build: docker build -t whatrack .     Deploy: see docs/deploy.md (docker compose up -d).

# --- 1. front end ------------------------------------------------------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- 2. application ----------------------------------------------------------------------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# ffmpeg (Debian's package): browser recordings (webm/opus) become WhatsApp voice notes (Ogg/Opus).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
# Versions are pinned in pyproject.toml; a non-editable install puts `whatrack` on PATH.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /app/src /root/.cache

# The installed package lives in site-packages, so the repository-relative defaults of
# STATIC_DIR and CENTRIFUGO_CONFIG are replaced by the paths inside the image.
COPY config ./config
COPY --from=frontend /build/frontend/dist ./static

RUN groupadd --system --gid 10001 whatrack \
    && useradd --system --uid 10001 --gid whatrack --home-dir /app --shell /usr/sbin/nologin whatrack \
    && mkdir -p /data/media \
    && chown -R whatrack:whatrack /data

# Defaults for a bare `docker run` (embedded mode: SQLite + embedded real-time hub in /data).
# docker-compose.yml overrides DATABASE_URL and CENTRIFUGO_* for PostgreSQL + Centrifugo.
ENV STATIC_DIR=/app/static \
    CENTRIFUGO_CONFIG=/app/config/centrifugo.json \
    MEDIA_DIR=/data/media \
    DATABASE_URL=sqlite+aiosqlite:////data/whatrack.db \
    PORT=8000

USER whatrack
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

# Migrates the database (`whatrack db upgrade`), makes sure an admin exists, then serves
# the API, the built front end and (without CENTRIFUGO_URL) the embedded real-time hub.
CMD ["whatrack", "serve", "--no-demo", "--host", "0.0.0.0"]
