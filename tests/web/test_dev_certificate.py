"""The self-signed certificate `make https` serves the LAN with, so phones can open the camera."""

import importlib.util
from pathlib import Path

from cryptography import x509

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev_certificate.py"


def load_script():
    spec = importlib.util.spec_from_file_location("dev_certificate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def alternative_names(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name.value) for name in names]


def test_certificate_names_localhost_and_the_lan_address(tmp_path):
    cert_path = load_script().certificate_write(tmp_path, ["192.168.1.20", "lab.local"])
    assert alternative_names(cert_path) == ["localhost", "127.0.0.1", "192.168.1.20", "lab.local"]
    assert oct((tmp_path / "key.pem").stat().st_mode & 0o777) == "0o600"


def test_certificate_is_reused_until_an_address_is_missing(tmp_path):
    script = load_script()
    first = script.certificate_write(tmp_path, ["192.168.1.20"]).read_bytes()
    assert script.certificate_write(tmp_path, ["192.168.1.20"]).read_bytes() == first
    moved = script.certificate_write(tmp_path, ["10.0.0.7"]).read_bytes()
    assert moved != first
    assert "10.0.0.7" in alternative_names(tmp_path / "cert.pem")
