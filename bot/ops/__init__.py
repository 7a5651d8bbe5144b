"""Operating the running bot: /healthz and /metrics over HTTP, and its log records."""
