"""Certificates: the operator's trust list, and a small certificate authority for demos and tests.

The trust list is what a signature must chain to: PEM files of roots and intermediates the operator chose
(the Vietnamese public CAs' and Ban Cơ yếu Chính phủ's roots in production). `CertificateAuthority` makes
throw-away CAs — the embedded run's clearly labelled DEMO CA (for the demo accounts only) and the tests' CAs;
it never replaces a real CA.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from pyhanko.sign import signers

DEMO_CA_NAME = "EduDX DEMO CA - không có giá trị pháp lý"


@dataclass(frozen=True)
class TrustList:
    """Roots (trust anchors) and intermediates (path building only) a signature may chain to."""

    roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.roots


def load_trust_list(paths: list[str]) -> TrustList:
    """Every certificate of every PEM file: self-signed ones are roots, the others intermediates."""
    roots: list[asn1_x509.Certificate] = []
    intermediates: list[asn1_x509.Certificate] = []
    for path in paths:
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            converted = to_asn1(cert)
            (roots if cert.issuer == cert.subject else intermediates).append(converted)
    return TrustList(tuple(roots), tuple(intermediates))


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def key_to_asn1(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _name(common_name: str, organisation: str | None) -> x509.Name:
    # X.520 caps both at 64 characters; long school names are cut.
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attributes)


def ensure_certificate_authority(directory: Path, name: str, common_name: str, *, years: int = 10) -> Path:
    """A CA kept in `directory` (see `CertificateAuthority.save`), made on first use; its certificate's path."""
    if not (directory / f"{name}.pem").exists():
        now = datetime.datetime.now(datetime.UTC)
        CertificateAuthority(common_name, not_before=now - datetime.timedelta(days=1),
                             not_after=now + datetime.timedelta(days=365 * years)).save(directory, name)
    return directory / f"{name}.pem"


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def signer(self, chain: list[x509.Certificate]) -> signers.SimpleSigner:
        """A pyHanko signer with this key, embedding `chain` (the issuing CA) in its signatures."""
        # pyHanko is imported here, not at start-up: it takes a second or more to import.
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return signers.SimpleSigner(signing_cert=to_asn1(self.certificate), signing_key=key_to_asn1(self.key),
                                    cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]))

    def pkcs12(self, password: bytes, chain: list[x509.Certificate]) -> bytes:
        """A PKCS#12 file, as a CA hands out a signing certificate for a server."""
        return pkcs12.serialize_key_and_certificates(
            b"edudx", self.key, self.certificate, chain,
            serialization.BestAvailableEncryption(password))


class CertificateAuthority:
    """A root that issues signing certificates (ECDSA P-256, SHA-256)."""

    def __init__(self, common_name: str, *, not_before: datetime.datetime, not_after: datetime.datetime,
                 existing: Issued | None = None) -> None:
        if existing is not None:
            self.root = existing
            return
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(common_name, None)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        self.root = Issued(certificate, key)

    @classmethod
    def load(cls, directory: Path, name: str) -> CertificateAuthority:
        """A CA saved by `save` (its certificate `<name>.pem`, its key `<name>.key.pem`)."""
        certificate = x509.load_pem_x509_certificate((directory / f"{name}.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / f"{name}.key.pem").read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{name}.key.pem is not an EC private key")
        return cls("", not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc,
                   existing=Issued(certificate, key))

    def save(self, directory: Path, name: str) -> Path:
        """The certificate (for trust lists) and, readable by the owner only, the key; returns the certificate's
        path."""
        directory.mkdir(parents=True, exist_ok=True)
        key_path = directory / f"{name}.key.pem"
        key_path.write_bytes(self.root.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
        key_path.chmod(0o600)
        cert_path = directory / f"{name}.pem"
        cert_path.write_bytes(self.root.pem())
        return cert_path

    def revocation_list(self, revoked: list[x509.Certificate], *, at: datetime.datetime) -> bytes:
        """A CRL (DER) revoking `revoked`, issued at `at`, valid for a day."""
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root.certificate.subject)
                   .last_update(at).next_update(at + datetime.timedelta(days=1)))
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(at).build())
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def issue(self, common_name: str, *, organisation: str | None = None, not_before: datetime.datetime,
              not_after: datetime.datetime, time_stamping: bool = False, crl_url: str | None = None) -> Issued:
        """A signing certificate (non-repudiation): a person's when `organisation` is None, else an
        organisation's (the seal: its name is the common name); `time_stamping`: a time-stamping
        authority's (an RSA key: pyHanko's test time-stamper signs with RSA only); `crl_url`: where its
        revocation list is published (CRL distribution point)."""
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048) if time_stamping
            else ec.generate_private_key(ec.SECP256R1()))
        builder = (
            x509.CertificateBuilder().subject_name(_name(common_name, organisation))
            .issuer_name(self.root.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                           critical=False)
        )
        if crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if time_stamping:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return Issued(builder.sign(self.root.key, hashes.SHA256()), key)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)
