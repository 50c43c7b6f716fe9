"""A test CA made at test time, a signer certificate as a PKCS#12 file and on a SoftHSM2 token,
and a document PDF in the Decree 30 layout, for the digital signature tests."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNER_CN = "Ủy ban nhân dân tỉnh Thử nghiệm"
CA_CN = "CA thử nghiệm của bộ kiểm thử"
P12_PASSWORD = "mat-khau-p12"
TOKEN_LABEL = "token-ky-so"
TOKEN_PIN = "123456"
TOKEN_SO_PIN = "12345678"
KEY_LABEL = "ubnd-ky-so"
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so",
                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                   "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2",)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bộ kiểm thử"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(**on) -> x509.KeyUsage:
    flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                 data_encipherment=False, key_agreement=False, key_cert_sign=False,
                 crl_sign=False, encipher_only=False, decipher_only=False)
    flags.update(on)
    return x509.KeyUsage(**flags)


@dataclass
class Credentials:
    folder: Path
    ca_pem: Path
    key_pem: Path  # PKCS#8, unencrypted
    cert_der: Path
    p12: Path
    signer_cert: x509.Certificate
    ca_cert: x509.Certificate


def make_credentials(folder: Path) -> Credentials:
    """A root CA and a signing certificate it issued (valid from yesterday, for 30 days)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(_name(CA_CN)).issuer_name(_name(CA_CN))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(SIGNER_CN)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True, content_commitment=True),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = Credentials(folder, folder / "ca.pem", folder / "signer-key.pem",
                        folder / "signer.der", folder / "signer.p12", cert, ca)
    paths.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    paths.cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    paths.p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"ubnd", key, cert, [ca],
        serialization.BestAvailableEncryption(P12_PASSWORD.encode())))
    return paths


def softhsm_module() -> str | None:
    return next((path for path in SOFTHSM_MODULES if os.path.exists(path)), None)


def softhsm_missing() -> str | None:
    """Why the PKCS#11 tests cannot run here, or None."""
    if shutil.which("softhsm2-util") is None or softhsm_module() is None:
        return "softhsm2 is not installed (make test installs it: apt-get install softhsm2)"
    if shutil.which("pkcs11-tool") is None:
        return "pkcs11-tool is not installed (make test installs it: apt-get install opensc)"
    return None


def make_token(credentials: Credentials, folder: Path) -> str:
    """A SoftHSM2 token in `folder` holding the signer's key and certificate under KEY_LABEL.
    Sets SOFTHSM2_CONF for this process (the module reads it when first loaded); returns the
    module's path."""
    module = softhsm_module()
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}

    def run(*args: str) -> None:
        subprocess.run(args, env=env, check=True, capture_output=True, timeout=60)

    run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
        "--pin", TOKEN_PIN, "--so-pin", TOKEN_SO_PIN)
    run("softhsm2-util", "--import", str(credentials.key_pem), "--token", TOKEN_LABEL,
        "--label", KEY_LABEL, "--id", "01", "--pin", TOKEN_PIN)
    run("pkcs11-tool", "--module", module, "--token-label", TOKEN_LABEL, "--login",
        "--pin", TOKEN_PIN, "--write-object", str(credentials.cert_der), "--type", "cert",
        "--label", KEY_LABEL, "--id", "01")
    return module


def document_pdf(signer_title: str = "Chủ tịch", signer_name: str = "Nguyễn Văn An",
                 number: str = "Số: 05/TB-UBND", paragraphs: int = 3) -> bytes:
    """An issued notice in the Decree 30 layout."""
    from portal.documents.layout import AdminDocument, Paragraph, render_pdf

    text = ("Ủy ban nhân dân tỉnh ghi nhận ý kiến của công dân về đất đai; các sở, ngành "
            "khẩn trương giải quyết dứt điểm trong tháng. ")
    doc = AdminDocument(
        body_parent="", body="ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH", number=number,
        place_date="Bắc Ninh, ngày 01 tháng 12 năm 2026", doc_type="THÔNG BÁO",
        summary="Kết luận của Chủ tịch UBND tỉnh tại buổi đối thoại",
        blocks=[Paragraph(text * 4) for _ in range(paragraphs)],
        signer_title=signer_title, signer_name=signer_name,
        signer_authority=["TM. ỦY BAN NHÂN DÂN"],
        recipients=["- Như trên;", "- Lưu: VT."])
    return render_pdf(doc, FONT_DIRS)


def pdfsig(pdf: bytes, folder: Path) -> str:
    """poppler's pdfsig report on `pdf`."""
    path = folder / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr
