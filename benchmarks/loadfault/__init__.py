"""Load and fault suite: the whole product on a private PostgreSQL cluster, a mixed read/write load
through the gateway, faults injected under load, every acknowledged write verified afterwards.

    uv run python benchmarks/load_fault.py [--clients 100] [--seconds 60] [--faults kill,import,db]

Modules: ``cluster`` (initdb/pg_ctl), ``product`` (migrate, seed, uvicorn processes), ``workload``
(the clients), ``faults``, ``verify``, ``report`` (the invariants and the figures), ``run``.
Exit code 1 when an invariant fails. ``tests/load/test_load_fault.py`` runs the short form in CI.
"""
