"""The S3 requests the public minio API cannot make for us, in one place.

minio's ``put_object`` can neither send ``If-None-Match: *`` on the request that creates
the object (for multipart uploads that is CompleteMultipartUpload) nor bound its memory
(it grows each part by concatenating small reads, and keeps three parts in flight). So
the S3 backend drives the requests itself through minio's request layer
(``_execute``, ``_put_object``, ``_create_multipart_upload``, ``_upload_part``,
``_abort_multipart_upload``), which signs and sends them and raises minio's usual
exceptions. Those methods are private: the ``minio>=7.2,<8`` pin in pyproject.toml
keeps them stable, and this module is the only user.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import quote

from minio import Minio
from minio.error import S3Error
from minio.helpers import DictType
from urllib3 import BaseHTTPResponse

from storage.errors import StorageError
from storage.objects.s3errors import s3_errors

__all__ = ["MultipartUpload", "content_md5", "copy_object", "put_bytes"]

logger = logging.getLogger(__name__)


def content_md5(data: bytes) -> str:
    """Base64 MD5 for ``Content-MD5``: the server rejects a body damaged in transit.

    S3 also requires it (or a checksum) on writes that carry object-lock headers.
    """
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _check_error_body(response: BaseHTTPResponse) -> None:
    """Raise the error an S3 server may send with status 200.

    CompleteMultipartUpload and CopyObject answer 200 at once and can still fail while
    they run; the failure then arrives as an ``<Error>`` document in the body.
    """
    if not response.data:
        return
    try:
        root = ET.fromstring(response.data)
    except ET.ParseError as exc:
        raise StorageError("object store sent an unreadable response") from exc
    if root.tag.rpartition("}")[2] == "Error":
        raise S3Error.fromxml(response)


def _find_etag(response: BaseHTTPResponse) -> str:
    root = ET.fromstring(response.data)
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "ETag" and element.text:
            return element.text.strip('"')
    raise StorageError("object store sent no ETag for a copied part")


def put_bytes(
    client: Minio, bucket: str, key: str, data: bytes, headers: Mapping[str, str]
) -> None:
    """PutObject with exactly the given headers (plus ``Content-MD5``)."""
    sent: DictType = {**headers, "Content-MD5": content_md5(data)}
    with s3_errors("writing", key):
        client._put_object(bucket, key, data, sent)


def copy_object(
    client: Minio, bucket: str, src_key: str, dst_key: str, headers: Mapping[str, str]
) -> None:
    """CopyObject within the bucket with the given headers (objects up to 5 GiB)."""
    sent: DictType = {**headers, "x-amz-copy-source": quote(f"/{bucket}/{src_key}")}
    with s3_errors("copying to", dst_key):
        response = client._execute("PUT", bucket, dst_key, headers=sent)
        _check_error_body(response)


class MultipartUpload:
    """One multipart upload to ``key``; whoever starts it completes or aborts it.

    Args:
        client: The minio client.
        bucket: The bucket.
        key: The object being created.
        headers: Headers of the object (content type, metadata, object lock).

    """

    def __init__(self, client: Minio, bucket: str, key: str, headers: Mapping[str, str]) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._parts: list[tuple[int, str]] = []
        with s3_errors("starting an upload of", key):
            self.upload_id = client._create_multipart_upload(bucket, key, {**headers})

    def _next_number(self) -> int:
        return len(self._parts) + 1

    def upload_part(self, data: bytes) -> None:
        """Send the next part (at least 5 MiB unless it is the last)."""
        number = self._next_number()
        headers: DictType = {"Content-MD5": content_md5(data)}
        with s3_errors("uploading a part of", self._key):
            etag = self._client._upload_part(
                self._bucket, self._key, data, headers, self.upload_id, number
            )
        self._parts.append((number, etag))

    def copy_part(self, src_key: str, start: int, end: int) -> None:
        """Let the server copy bytes ``start..end`` (inclusive) of ``src_key`` as the next part."""
        number = self._next_number()
        headers: DictType = {
            "x-amz-copy-source": quote(f"/{self._bucket}/{src_key}"),
            "x-amz-copy-source-range": f"bytes={start}-{end}",
        }
        params: DictType = {"partNumber": str(number), "uploadId": self.upload_id}
        with s3_errors("copying a part of", self._key):
            response = self._client._execute(
                "PUT", self._bucket, self._key, headers=headers, query_params=params
            )
            _check_error_body(response)
            self._parts.append((number, _find_etag(response)))

    def complete(self, *, if_none_match: bool) -> None:
        """Assemble the parts into the object.

        Args:
            if_none_match: Send ``If-None-Match: *``: the server refuses (412, raised
                as :class:`~storage.errors.ObjectExistsError`) if the key exists by now.

        """
        root = ET.Element("CompleteMultipartUpload")
        for number, etag in self._parts:
            part = ET.SubElement(root, "Part")
            ET.SubElement(part, "PartNumber").text = str(number)
            ET.SubElement(part, "ETag").text = f'"{etag}"'
        body = ET.tostring(root)
        headers: DictType = {"Content-Type": "application/xml", "Content-MD5": content_md5(body)}
        if if_none_match:
            headers["If-None-Match"] = "*"
        with s3_errors("completing the upload of", self._key):
            response = self._client._execute(
                "POST",
                self._bucket,
                self._key,
                body=body,
                headers=headers,
                query_params={"uploadId": self.upload_id},
            )
            _check_error_body(response)

    def abort(self) -> None:
        """Discard the uploaded parts; never raises (it runs while another error is raised)."""
        try:
            with s3_errors("aborting the upload of", self._key):
                self._client._abort_multipart_upload(self._bucket, self._key, self.upload_id)
        except StorageError:
            logger.warning(
                "could not abort upload %s of %s; the server's lifecycle rules must "
                "remove its parts",
                self.upload_id,
                self._key,
                exc_info=True,
            )
