"""Pinning keeps TLS honest: the connection goes to the checked IP, while SNI and the certificate check use
the host name, so a pinned call to a host with the wrong certificate still fails."""
import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mlconnector.netguard import PinnedAdapter


def self_signed(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path):
    cert_file, key_file = self_signed(tmp_path, "api.vendor.test")
    seen, sni = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.headers["Host"], sni[-1] if sni else None))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert_file, seen
    server.shutdown()
    server.server_close()


def pinned() -> requests.Session:
    session = requests.Session()
    session.mount("https://", PinnedAdapter(lambda host, port: "127.0.0.1"))
    return session


def test_a_pinned_https_call_verifies_the_certificate_for_the_name_and_sends_sni(tls_server):
    port, cert_file, seen = tls_server

    response = pinned().get(f"https://api.vendor.test:{port}/", verify=str(cert_file), timeout=5)

    assert response.text == "ok"
    assert seen == [(f"api.vendor.test:{port}", "api.vendor.test")]


def test_a_pinned_https_call_to_a_name_the_certificate_does_not_cover_fails(tls_server):
    port, cert_file, seen = tls_server

    with pytest.raises(requests.exceptions.SSLError):
        pinned().get(f"https://other.vendor.test:{port}/", verify=str(cert_file), timeout=5)
    assert seen == []
