"""ragops: self-hostable RAG with its operations lifecycle built in."""

import os

# Must precede the first numpy import. On few cores numpy's BLAS threads fight torch's:
# a dense query measured p95 112 ms with default threading, 16 ms with one BLAS thread.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
