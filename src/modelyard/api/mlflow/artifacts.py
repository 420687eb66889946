"""MLflow's MlflowArtifactsService (`/api/2.0/mlflow-artifacts/...`): the artifact proxy.

Bodies stream both ways: an upload is written chunk by chunk as it arrives, a download is sent
as it is read; neither is held in memory. Multipart uploads work on every store: the part URLs
handed out point back at this server (`PUT mpu/part/...`), which streams each part to the store
(S3 multipart on S3, staged files on a local folder).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from modelyard.api.deps import ArtifactsDep, UowDep
from modelyard.api.mlflow.wire import json_body, json_response
from modelyard.errors import InvalidParameter
from modelyard.services import artifacts
from modelyard.services.artifacts import MultipartUpload, UploadedPart

router = APIRouter()
EMPTY = b"{}"


class CreateMultipartUpload(BaseModel):
    path: str | None = None
    num_parts: int | None = None


class MultipartPart(BaseModel):
    part_number: int | None = None
    etag: str | None = None
    url: str | None = None


class CompleteMultipartUpload(BaseModel):
    path: str | None = None
    upload_id: str | None = None
    parts: list[MultipartPart] | None = None


class AbortMultipartUpload(BaseModel):
    path: str | None = None
    upload_id: str | None = None


def _empty() -> Response:
    return Response(EMPTY, media_type="application/json")


@router.put("/artifacts/{artifact_path:path}")
async def upload_artifact(artifact_path: str, request: Request, store: ArtifactsDep) -> Response:
    await artifacts.upload(store, path=artifact_path, body=request.stream())
    return _empty()


@router.get("/artifacts/{artifact_path:path}")
async def download_artifact(
    artifact_path: str, store: ArtifactsDep, uow: UowDep
) -> StreamingResponse:
    file = await artifacts.download(store, path=artifact_path, uow=uow)
    headers = {
        "Content-Length": str(file.size),
        "Content-Disposition": _attachment(file.path.rsplit("/", 1)[-1]),
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(file.chunks, media_type=file.media_type, headers=headers)


@router.get("/artifacts")
async def list_artifacts(request: Request, store: ArtifactsDep, uow: UowDep) -> Response:
    entries = await artifacts.list_files(store, path=request.query_params.get("path"), uow=uow)
    files = [
        {"path": e.path, "is_dir": e.is_dir}
        | ({} if e.file_size is None else {"file_size": e.file_size})
        for e in entries
    ]
    return json_response({"files": files} if files else {})


@router.delete("/artifacts/{artifact_path:path}")
async def delete_artifact(artifact_path: str, store: ArtifactsDep) -> Response:
    await artifacts.delete(store, path=artifact_path)
    return _empty()


@router.post("/mpu/create/{artifact_path:path}")
async def create_multipart_upload(
    artifact_path: str,
    req: Annotated[CreateMultipartUpload, Depends(json_body(CreateMultipartUpload))],
    request: Request,
    store: ArtifactsDep,
) -> Response:
    upload = await artifacts.create_multipart(
        store, folder=artifact_path, client_file=req.path, num_parts=req.num_parts
    )
    return json_response(_created(request, upload))


@router.put("/mpu/part/{artifact_path:path}", name="upload_multipart_part")
async def upload_multipart_part(
    artifact_path: str, request: Request, store: ArtifactsDep
) -> Response:
    upload_id, part_number = _part_query(request)
    part = await artifacts.upload_part(
        store,
        path=artifact_path,
        upload_id=upload_id,
        part_number=part_number,
        body=request.stream(),
    )
    return Response(EMPTY, media_type="application/json", headers={"ETag": part.etag})


@router.post("/mpu/complete/{artifact_path:path}")
async def complete_multipart_upload(
    artifact_path: str,
    req: Annotated[CompleteMultipartUpload, Depends(json_body(CompleteMultipartUpload))],
    store: ArtifactsDep,
) -> Response:
    parts = [_part(p) for p in req.parts or []]
    await artifacts.complete_multipart(
        store, folder=artifact_path, client_file=req.path, upload_id=req.upload_id, parts=parts
    )
    return _empty()


@router.post("/mpu/abort/{artifact_path:path}")
async def abort_multipart_upload(
    artifact_path: str,
    req: Annotated[AbortMultipartUpload, Depends(json_body(AbortMultipartUpload))],
    store: ArtifactsDep,
) -> Response:
    await artifacts.abort_multipart(
        store, folder=artifact_path, client_file=req.path, upload_id=req.upload_id
    )
    return _empty()


def _created(request: Request, upload: MultipartUpload) -> dict[str, object]:
    base = request.url_for("upload_multipart_part", artifact_path=quote(upload.path))
    credentials = [
        {
            "url": str(base.include_query_params(upload_id=upload.upload_id, part_number=n)),
            "part_number": n,
            "headers": {},
        }
        for n in upload.part_numbers
    ]
    return {"upload_id": upload.upload_id, "credentials": credentials}


def _part_query(request: Request) -> tuple[str, int]:
    upload_id = request.query_params.get("upload_id")
    number = request.query_params.get("part_number", "")
    if not upload_id:
        raise InvalidParameter("Missing value for required parameter 'upload_id'.")
    if not number.isdigit() or len(number) > 6:
        raise InvalidParameter(f"Invalid value {number[:20]!r} for parameter 'part_number'.")
    return upload_id, int(number)


def _part(part: MultipartPart) -> UploadedPart:
    if part.part_number is None or not part.etag:
        raise InvalidParameter("Every part needs a 'part_number' and an 'etag'.")
    return UploadedPart(part.part_number, part.etag)


def _attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
