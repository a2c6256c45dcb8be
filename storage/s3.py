"""S3-compatible object storage: client factory, bucket set-up and presigned URLs.

boto3 is blocking, so every call an async caller makes goes through a worker thread
(`ObjectStore` methods are coroutines that wrap the blocking client). Objects are
never public: the bucket gets no public ACL or policy, and readers receive presigned
URLs that expire.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Presigned links travel to phones on flaky networks; long enough to load a photo on one
# bar of signal, short enough that a forwarded link is soon useless.
DEFAULT_PRESIGN_SECONDS = 300


class StorageUnavailable(Exception):
    """The object store could not be reached or refused the request."""


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None
    access_key_id: str
    secret_access_key: str
    bucket: str
    region: str = "us-east-1"
    # Local stores (SeaweedFS, MinIO) have no per-bucket DNS names.
    path_style: bool = True
    # Where phones reach the store, when that differs from where the API does (an
    # internal service name behind a public host): presigned links are signed for it.
    public_endpoint_url: str | None = None
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 20.0
    max_attempts: int = 3


def make_client(settings: S3Settings) -> S3Client:
    config = Config(
        signature_version="s3v4",
        region_name=settings.region,
        s3={"addressing_style": "path" if settings.path_style else "auto"},
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        retries={"max_attempts": settings.max_attempts, "mode": "standard"},
    )
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        config=config,
    )
    return client


class ObjectStore:
    """The project's one bucket, with async methods that keep boto3 off the event loop."""

    def __init__(self, settings: S3Settings, client: S3Client | None = None) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.client = client or make_client(settings)
        # Signing is local: a second client that never opens a connection.
        self._signer = (
            make_client(replace(settings, endpoint_url=settings.public_endpoint_url))
            if settings.public_endpoint_url
            else self.client
        )

    async def _run(self, fn: Any, /, **kwargs: Any) -> Any:
        def call() -> Any:
            try:
                return fn(**kwargs)
            except (BotoCoreError, ClientError) as exc:
                raise StorageUnavailable(str(exc)) from exc

        return await anyio.to_thread.run_sync(call)

    def ensure_bucket_sync(self) -> None:
        """Create the bucket if it is missing; an existing one is left as it is."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != 404:
                raise StorageUnavailable(str(exc)) from exc
            self._create_bucket()
        except BotoCoreError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def _create_bucket(self) -> None:
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            # API replicas starting together all see 404 and all try to create it; the
            # losers of that race find it made by the winner (same credentials), which is
            # what they wanted. Anything else (taken by another account) stays an error.
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise StorageUnavailable(str(exc)) from exc

    async def ensure_bucket(self) -> None:
        await anyio.to_thread.run_sync(self.ensure_bucket_sync)

    async def ping(self) -> None:
        await self._run(self.client.head_bucket, Bucket=self.bucket)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
        )

    async def get_bytes(self, key: str) -> bytes:
        response = await self._run(self.client.get_object, Bucket=self.bucket, Key=key)
        body: bytes = await anyio.to_thread.run_sync(response["Body"].read)
        return body

    async def exists(self, key: str) -> bool:
        try:
            await self._run(self.client.head_object, Bucket=self.bucket, Key=key)
        except StorageUnavailable as exc:
            if "404" in str(exc) or "Not Found" in str(exc):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        await self._run(self.client.delete_object, Bucket=self.bucket, Key=key)

    def presigned_get_url(self, key: str, expires_s: int = DEFAULT_PRESIGN_SECONDS) -> str:
        # Signing is local computation (no network), so it is safe on the event loop.
        url: str = self._signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_s,
        )
        return url
