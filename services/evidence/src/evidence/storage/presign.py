"""Presigned PUT URLs (AWS Signature V4, query string) that also sign request headers.

The minio client signs only `host`, so its PUT URL accepts a body of any size. Signing `content-length`
binds the URL to the declared size: S3 recomputes the signature from the headers the client really sends, and
a body of another length (so another Content-Length) is refused (403 SignatureDoesNotMatch). Browsers set
Content-Length from the body themselves; a client PUTs exactly the file it declared.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"


def _uri_encode(text: str, *, keep_slash: bool = False) -> str:
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def presign_put(*, base_url: str, bucket: str, key: str, access_key: str, secret_key: str, region: str,
                seconds: int, now: datetime, signed_headers: Mapping[str, str]) -> str:
    """`base_url` is `scheme://host[:port]` as the client reaches it (the host is signed too); `now` in UTC."""
    scheme, host = base_url.split("://", 1)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    headers = {name.lower(): " ".join(str(value).split()) for name, value in signed_headers.items()}
    headers["host"] = host
    names = sorted(headers)
    path = "/" + _uri_encode(bucket) + "/" + _uri_encode(key, keep_slash=True)
    query = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(seconds),
        "X-Amz-SignedHeaders": ";".join(names),
    }
    canonical_query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(query.items()))
    canonical_request = "\n".join([
        "PUT", path, canonical_query, "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names),
        "UNSIGNED-PAYLOAD"])
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    signing_key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{scheme}://{host}{path}?{canonical_query}&X-Amz-Signature={signature}"
