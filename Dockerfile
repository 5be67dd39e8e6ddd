# One image for the whole workspace; docker-compose.yml runs each app (and its migration step)
# from it with a different command. Build: docker build -t hanke .
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
RUN useradd --create-home --uid 10001 hanke
WORKDIR /app
COPY --from=build /app /app
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
USER hanke
EXPOSE 8000 8001 8002 8003 8004
CMD ["hanke", "--help"]
