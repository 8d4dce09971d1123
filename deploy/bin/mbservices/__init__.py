"""ensure-services / stop-services: local PostgreSQL and Redis for the demo and the test suite."""
