"""A scripted OpenRosa client that behaves like ODK Collect: HEAD the submission URL (expect 204 and the
accepted length), then POST multipart `xml_submission_file` plus attachments, with HTTP Basic. Standard
library only, so it also serves the benchmark."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class OpenRosaClient:
    def __init__(self, base_url: str, username: str = "", password: str = "") -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.auth = (
            {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}
            if username
            else {}
        )
        self.conn = HTTPConnection(self.host, self.port, timeout=30)

    def _request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        all_headers = {"X-OpenRosa-Version": "1.0", **self.auth, **(headers or {})}
        try:
            self.conn.request(method, self.prefix + path, body=body, headers=all_headers)
            resp = self.conn.getresponse()
        except (ConnectionError, OSError):
            self.conn.close()
            self.conn = HTTPConnection(self.host, self.port, timeout=30)
            self.conn.request(method, self.prefix + path, body=body, headers=all_headers)
            resp = self.conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)

    def form_list(self) -> Reply:
        return self._request("GET", "/formList")

    def head(self) -> Reply:
        return self._request("HEAD", "/submission")

    def submit(self, xml: bytes, attachments: dict[str, bytes] | None = None) -> Reply:
        boundary = uuid.uuid4().hex
        parts = [("xml_submission_file", "submission.xml", "text/xml", xml)]
        parts += [
            (name, name, "application/octet-stream", data) for name, data in (attachments or {}).items()
        ]
        body = (
            b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
                + data
                + b"\r\n"
                for field, filename, ctype, data in parts
            )
            + f"--{boundary}--\r\n".encode()
        )
        return self._request(
            "POST", "/submission", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def close(self) -> None:
        self.conn.close()
