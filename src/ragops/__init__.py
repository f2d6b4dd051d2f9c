"""ragops: self-hostable RAG with its operations lifecycle built in."""

import os

# Must precede the first numpy import. On few cores numpy's BLAS threads fight torch's:
# a dense query measured p95 112 ms with default threading, 16 ms with one BLAS thread.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# Offline by default: MLflow would otherwise fetch a model-price catalog from github.com for every
# LLM span it stores (and retry when there is no network).
os.environ.setdefault("MLFLOW_MODEL_CATALOG_URI", "")
