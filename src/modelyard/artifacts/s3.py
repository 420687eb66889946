"""Artifacts in an S3-compatible bucket (AWS S3, MinIO, Ceph, moto...), under a key prefix.

Uploads never hold a whole file: bytes are gathered into parts of `part_size` (8 MiB) and sent
with S3 multipart upload; a stream shorter than one part is one PutObject. Reads stream the
GetObject body in chunks. Credentials, region and the endpoint come from boto3's usual chain
(AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ENDPOINT_URL_S3, ...) unless an endpoint is given.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from modelyard.artifacts import paths
from modelyard.artifacts.base import (
    CHUNK_SIZE,
    MAX_PARTS,
    ArtifactStore,
    ByteChunks,
    Entry,
    UploadedPart,
    WriteResult,
)
from modelyard.artifacts.checksums import Digest
from modelyard.errors import InvalidParameter, NotFound, Unavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PART_SIZE = 8 * 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_BAD_REQUEST = frozenset(
    {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidArgument", "InvalidRequest"}
)


def parse_s3_url(url: str) -> tuple[str, str]:
    """'s3://bucket/some/prefix' -> ('bucket', 'some/prefix')."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InvalidParameter(f"An S3 artifact location needs a bucket: {url!r}.")
    prefix = prefix.strip("/")
    return bucket, paths.safe_path(prefix, allow_root=True)


class S3ArtifactStore(ArtifactStore):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        client: S3Client | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self.prefix = paths.safe_path(prefix, allow_root=True)
        self.part_size = part_size
        self.location = f"s3://{bucket}/{self.prefix}"
        if client is None:
            # Path-style addressing for custom endpoints: MinIO and friends rarely have
            # wildcard DNS for virtual-hosted buckets.
            s3_config: Any = {"addressing_style": "path" if endpoint_url else "auto"}
            config = Config(s3=s3_config, retries={"mode": "standard"})
            client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
        self._s3 = client

    def _key(self, path: str, *, allow_root: bool = False) -> str:
        return paths.join(self.prefix, paths.safe_path(path, allow_root=allow_root))

    def _relative(self, key: str) -> str:
        return key[len(self.prefix) + 1 :] if self.prefix else key

    def write(self, path: str, chunks: Iterable[bytes]) -> WriteResult:
        key = self._key(path)
        if self._is_folder(key):
            raise InvalidParameter(f"Artifact path {path!r} is a folder, not a file.")
        digest = Digest()
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[UploadedPart] = []
        try:
            for chunk in digest.tee(chunks):
                buffer += chunk
                while len(buffer) >= self.part_size:
                    if upload_id is None:
                        upload_id = self._create(key)
                    body = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    parts.append(self._put_part(key, upload_id, len(parts) + 1, body))
            if upload_id is None:
                self._call(self._s3.put_object, Bucket=self.bucket, Key=key, Body=bytes(buffer))
            else:
                if buffer:
                    parts.append(self._put_part(key, upload_id, len(parts) + 1, bytes(buffer)))
                self._complete(key, upload_id, parts)
        except BaseException:
            if upload_id is not None:
                self._abort(key, upload_id)
            raise
        return WriteResult(paths.safe_path(path), digest.size, digest.sha256)

    def read(
        self, path: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> ByteChunks:
        key = self._key(path)
        if length == 0:
            return ByteChunks(iter(()), lambda: None)
        extra: dict[str, Any] = {}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            extra["Range"] = f"bytes={offset}-{end}"
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as e:
            if _code(e) in _MISSING or _code(e) == "NoSuchKey":
                if self._is_folder(key):
                    raise InvalidParameter(
                        f"Artifact path refers to a directory, not a file: {path!r}."
                    ) from None
                raise NotFound(f"No artifact at {path!r}.") from None
            if _code(e) == "InvalidRange":
                return ByteChunks(iter(()), lambda: None)
            _raise(e)
        body = response["Body"]
        return ByteChunks(body.iter_chunks(chunk_size), body.close)

    def stat(self, path: str) -> Entry | None:
        key = self._key(path, allow_root=True)
        relative = paths.safe_path(path, allow_root=True)
        if key:
            try:
                head = self._s3.head_object(Bucket=self.bucket, Key=key)
                return Entry(relative, False, int(head["ContentLength"]))
            except ClientError as e:
                if _code(e) not in _MISSING:
                    _raise(e)
        return Entry(relative, True, None) if self._is_folder(key) else None

    def list(self, path: str) -> list[Entry]:
        key = self._key(path, allow_root=True)
        prefix = f"{key}/" if key else ""
        entries: list[Entry] = []
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        try:
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    entries.append(Entry(self._relative(common["Prefix"].rstrip("/")), True, None))
                for obj in page.get("Contents", []):
                    if obj["Key"] != prefix:  # a folder marker object
                        entries.append(Entry(self._relative(obj["Key"]), False, obj["Size"]))
        except (ClientError, BotoCoreError) as e:
            _raise(e)
        hidden = paths.RESERVED_PREFIX
        return sorted(
            (e for e in entries if not e.path.rsplit("/", 1)[-1].startswith(hidden)),
            key=lambda e: e.path,
        )

    def delete(self, path: str) -> bool:
        key = self._key(path)
        found = self.stat(path) is not None
        if not found:
            return False
        self._call(self._s3.delete_object, Bucket=self.bucket, Key=key)
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{key}/"
        )
        for page in pages:
            objects: list[Any] = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if objects:  # a page holds at most 1,000 keys, DeleteObjects' limit
                self._call(self._s3.delete_objects, Bucket=self.bucket, Delete={"Objects": objects})
        return True

    def copy(self, src: str, dst: str) -> None:
        source = {"Bucket": self.bucket, "Key": self._key(src)}
        if self.stat(src) is None:
            raise NotFound(f"No artifact at {src!r}.")
        # The managed copy switches to multipart copy above 5 GiB, CopyObject's limit.
        self._call(self._s3.copy, source, self.bucket, self._key(dst))

    # Multipart: mapped one to one onto S3's; parts are spooled (memory up to one part, then
    # a temporary file) because UploadPart needs a known length.

    def create_multipart(self, path: str) -> str:
        return self._create(self._key(path))

    def upload_part(
        self, path: str, upload_id: str, part_number: int, chunks: Iterable[bytes]
    ) -> UploadedPart:
        if not 1 <= part_number <= MAX_PARTS:
            raise InvalidParameter(f"Part numbers go from 1 to {MAX_PARTS}, got {part_number}.")
        key = self._key(path)
        with tempfile.SpooledTemporaryFile(max_size=self.part_size) as spool:
            for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            return self._put_part(key, _upload_id(upload_id), part_number, spool)

    def complete_multipart(self, path: str, upload_id: str, parts: Sequence[UploadedPart]) -> Entry:
        key = self._key(path)
        if not parts:
            raise InvalidParameter("Parts must be listed once each, at least one.")
        self._complete(key, _upload_id(upload_id), sorted(parts, key=lambda p: p.part_number))
        entry = self.stat(path)
        assert entry is not None
        return entry

    def abort_multipart(self, path: str, upload_id: str) -> None:
        self._abort(self._key(path), _upload_id(upload_id))

    def close(self) -> None:
        self._s3.close()

    def _is_folder(self, key: str) -> bool:
        prefix = f"{key}/" if key else ""
        response = self._call(
            self._s3.list_objects_v2, Bucket=self.bucket, Prefix=prefix, MaxKeys=1
        )
        return bool(response.get("KeyCount", 0))

    def _create(self, key: str) -> str:
        response = self._call(self._s3.create_multipart_upload, Bucket=self.bucket, Key=key)
        return str(response["UploadId"])

    def _put_part(self, key: str, upload_id: str, number: int, body: Any) -> UploadedPart:
        response = self._call(
            self._s3.upload_part,
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return UploadedPart(number, str(response["ETag"]))

    def _complete(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        listed: list[Any] = [{"ETag": p.etag, "PartNumber": p.part_number} for p in parts]
        self._call(
            self._s3.complete_multipart_upload,
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": listed},
        )

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as e:
            if _code(e) != "NoSuchUpload":
                _raise(e)

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (ClientError, BotoCoreError) as e:
            _raise(e)


def _upload_id(upload_id: str) -> str:
    if not upload_id or len(upload_id) > 1024:
        raise InvalidParameter("Invalid upload id.")
    return upload_id


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _raise(error: Exception) -> NoReturn:
    """S3's refusals become 4xx; an unreachable or failing S3 is 503 (retried by clients)."""
    if isinstance(error, ClientError):
        code = _code(error)
        if code == "NoSuchUpload":
            raise NotFound("No such multipart upload.") from error
        if code in _BAD_REQUEST:
            raise InvalidParameter(f"S3 refused the request: {code}.") from error
        if code in _MISSING:
            raise NotFound(f"S3: {code}.") from error
    raise Unavailable(f"The artifact store is unavailable: {error}") from error
