"""Tests of deploy/bin: the scripts that set up a fresh machine for `make demo` and `make test`."""
