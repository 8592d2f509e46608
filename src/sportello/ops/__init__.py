"""Operating Sportello: health and readiness probes, Prometheus metrics, structured logs,
backup and restore, moving files between stores."""
