"""Signing a PDF with a certificate the server holds (pyHanko, PAdES baseline B).

The signature is an incremental update: the bytes before it stay exactly the document as produced, so anyone
can check both the signature and that the document is the one the service issued. The organisation's
certificate comes as a PKCS#12 file (`.p12`/`.pfx`) with its password, as Vietnamese CAs hand them out for
servers; PKCS#11 tokens are not wired in (pyHanko supports them through python-pkcs11, not installed here).
"""

from __future__ import annotations

import io
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.sign.timestamps import TimeStamper


class SigningKeyError(Exception):
    """The configured certificate file could not be opened (missing, wrong password, no key)."""


def load_pkcs12_signer(path: str, password: str | None) -> signers.SimpleSigner:
    """The signer of a PKCS#12 file, with the chain it carries (embedded in each signature)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing certificate file {path}: {exc.strerror}") from exc
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot open the signing certificate file {path}: {exc}") from exc
    if signer is None:
        raise SigningKeyError(f"the signing certificate file {path} holds no key and certificate")
    return signer


async def sign_pdf(data: bytes, signer: signers.Signer, *, field_name: str, reason: str | None = None,
                   location: str | None = None, timestamper: TimeStamper | None = None) -> bytes:
    """`data` with one more signature appended as an incremental update (an invisible signature field), with a
    timestamp token from `timestamper` (an RFC 3161 time-stamping authority) when given."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location)
    pdf_signer = signers.PdfSigner(meta, signer=signer, new_field_spec=SigFieldSpec(field_name),
                                   timestamper=timestamper)
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=output)
    return output.getvalue()
