"""The joinedup benchmark harness (`make bench`): generated regions in PostgreSQL, the real
server under gunicorn with production settings, a load generator in another process, and
reports under bench/results/. See bench/__main__.py for the order of a run."""
