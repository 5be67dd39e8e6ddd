# One image for the whole workspace; docker-compose.yml and the Kubernetes manifests run each app
# (hanke serve APP), its migration step and the backups from it. Build: docker build -t hanke .
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
COPY gateway gateway
COPY cli cli
RUN uv sync --frozen --no-dev --all-packages

FROM python:3.11-slim
# pg_dump, pg_restore and psql for hanke backup / hanke restore.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 hanke
WORKDIR /app
COPY --from=build /app /app
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
USER hanke
EXPOSE 8000 8001 8002 8003 8004
CMD ["hanke", "--help"]
