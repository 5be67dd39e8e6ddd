"""Shared infrastructure for the Hanke apps.

Only what every app needs the same way lives here; domain logic stays in its service.

Modules:
    settings  - pydantic-settings base class, development/production checks
    db        - async engine, per-service metadata, the session dependency
    migrations - Alembic helpers shared by every service's env.py
    problems  - RFC 9457 problem details: the error hierarchy and its handlers
    auth      - bearer JWT validation (OIDC/JWKS or development HS256), roles
    paging    - clamped limits, one page envelope, keyset cursors
    etag      - ETag / If-Match: strong version tags, 428/412, the version-checked UPDATE
    inputs    - strict dates, bounded integers, control-character-free text, PATCH bodies
    audit     - the append-only audit trail table and its helper
    money     - exact euros: Decimal in code, integer cents in the database
    observability - request ids, structured JSON logs
    limits    - request body limits: size (413) and JSON nesting depth (400), before parsing
    allow     - OPTIONS (204) and 405 problems with the complete Allow header
    app       - the app factory every service and the gateway build on
"""
