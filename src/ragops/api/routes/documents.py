"""Documents: upload (ingested by a background job), browse, delete; collections; job progress."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from ragops.api.deps import CatalogDep, SettingsDep, WorkerDep
from ragops.api.fields import Offset, RowId, SafeText, check_text
from ragops.api.schemas import (
    MAX_PAGE_SIZE,
    CollectionResponse,
    DocumentPage,
    DocumentResponse,
    JobResponse,
    problem_responses,
)
from ragops.errors import IngestError, InvalidRequestError, UnsupportedFormatError
from ragops.ingest.sources.uploads import READERS, upload_reader
from ragops.store.catalog import DocumentSummary

router = APIRouter(prefix="/v1", tags=["documents"])

_ERRORS = problem_responses(401, 404, 413, 415, 422, 429, 503)
_COLLECTION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


@router.post("/documents", status_code=202, response_model=JobResponse, responses=_ERRORS)
def upload_document(
    file: Annotated[UploadFile, File(description=f"one of {', '.join(sorted(READERS))}")],
    worker: WorkerDep,
    settings: SettingsDep,
    collection: Annotated[str | None, Form(pattern=_COLLECTION_PATTERN)] = None,
) -> JobResponse:
    """Queue a file for ingestion; poll GET /v1/jobs/{id} for progress. Re-uploading a name replaces it."""
    filename = PurePath(file.filename or "").name  # never a client-chosen path
    if not filename:
        raise IngestError("the upload has no file name; send it as multipart form field `file` with a name", "upload")
    try:
        check_text(filename)
    except ValueError as exc:
        raise InvalidRequestError(f"file: the file name {exc}") from None
    if upload_reader(filename) is None:
        raise UnsupportedFormatError(f"unsupported file type; upload one of {', '.join(sorted(READERS))}", filename)
    job = worker.submit(collection or settings.collection, filename, file.file.read())
    return JobResponse(**asdict(job))


@router.get("/jobs/{job_id}", response_model=JobResponse, responses=_ERRORS)
def get_job(job_id: RowId, catalog: CatalogDep) -> JobResponse:
    """An ingestion job: status, progress, the stored document or the error."""
    return JobResponse(**asdict(catalog.get_job(job_id)))


@router.get("/documents", response_model=DocumentPage, responses=_ERRORS)
def list_documents(
    catalog: CatalogDep,
    collection: Annotated[SafeText | None, Query(max_length=100)] = None,
    source: Annotated[SafeText | None, Query(max_length=100, description="e.g. arxiv, files, upload")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Offset = 0,
) -> DocumentPage:
    """Stored documents, newest first."""
    found, total = catalog.list_documents(collection=collection, source=source, limit=limit, offset=offset)
    return DocumentPage(documents=[_document(d) for d in found], total=total, limit=limit, offset=offset)


@router.get("/documents/{document_id}", response_model=DocumentResponse, responses=_ERRORS)
def get_document(document_id: RowId, catalog: CatalogDep) -> DocumentResponse:
    return _document(catalog.get_document(document_id))


@router.delete("/documents/{document_id}", status_code=204, responses=_ERRORS)
def delete_document(document_id: RowId, catalog: CatalogDep) -> Response:
    """Delete a document and its chunks: it stops appearing in answers at once."""
    catalog.delete_document(document_id)
    return Response(status_code=204)


@router.get("/collections", response_model=list[CollectionResponse], responses=_ERRORS)
def list_collections(catalog: CatalogDep) -> list[CollectionResponse]:
    return [CollectionResponse(**asdict(c)) for c in catalog.list_collections()]


def _document(summary: DocumentSummary) -> DocumentResponse:
    return DocumentResponse(**asdict(summary))
