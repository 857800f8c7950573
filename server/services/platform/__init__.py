"""Platform: what every domain stands on and none of them knows about — the database config (db),
Redis (redis), file storage (storage, files), the process's runtime (runtime: settings, Redis,
storage, the face checker), the task broker (broker), background jobs with progress (jobs), periodic
sweeps at most once across processes (periodic), Excel reading/writing (excel), the clock (clock).
SPEC §8 (exports, jobs). Imports: config, errors, models, services.access only.
"""
