"""An OAuth 1.0a (RFC 5849) RSA-SHA1 verifier built on oauthlib, for interop tests.

Run with Debian's interpreter, which has python3-oauthlib, python3-jwt and
python3-cryptography:

    /usr/bin/python3 test/support/oauthlib-verifier.py PUBLIC_KEY.pem CONSUMER_KEY

It listens on 127.0.0.1 at a free port and prints "PORT <n>" on stdout. For
every request it rebuilds the signature base string the way a server does --
base string URI from X-Forwarded-Proto (default http), the Host header and the
path as received; parameters from the query, the Authorization header and a
form-urlencoded body (never another body) -- with oauthlib's own functions,
and checks the signature with oauthlib.oauth1.rfc5849.signature.verify_rsa_sha1.

Answers 200 {"ok": true, "baseString": ..., "values": [], "isLastPage": true}
(a valid empty Bitbucket page, so typed client calls succeed) or 401 with a
Bitbucket-style {"errors": [{"message": reason}]} body.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from oauthlib.oauth1.rfc5849 import signature, utils


class SignedRequest:
    """The attributes oauthlib's verify_* functions read."""

    def __init__(self, uri, http_method, params, sig):
        self.uri = uri
        self.http_method = http_method
        self.params = params
        self.signature = sig


def verify(method, path, headers, body, public_key, consumer_key):
    """Returns (ok, reason, base_string)."""
    authorization = headers.get("authorization")
    if not authorization or not authorization.lower().startswith("oauth "):
        return False, "no OAuth Authorization header", None
    try:
        oauth = dict(utils.parse_authorization_header(authorization))
    except ValueError as e:
        return False, "malformed Authorization header: %s" % e, None
    oauth = {k: utils.unescape(v) for k, v in oauth.items()}

    scheme = headers.get("x-forwarded-proto", "http")
    uri = "%s://%s%s" % (scheme, headers.get("host", ""), path)
    query = path.split("?", 1)[1] if "?" in path else ""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    form_body = body.decode("utf-8") if content_type == "application/x-www-form-urlencoded" else None

    try:
        params = signature.collect_parameters(
            uri_query=query, body=form_body, headers={"Authorization": authorization}
        )
        base_string = signature.signature_base_string(
            method, signature.base_string_uri(uri), signature.normalize_parameters(params)
        )
    except ValueError as e:
        return False, "oauthlib cannot read the request: %s" % e, None

    for name, expected in (("oauth_signature_method", "RSA-SHA1"), ("oauth_consumer_key", consumer_key)):
        if oauth.get(name) != expected:
            return False, "%s is %r, expected %r" % (name, oauth.get(name), expected), base_string
    if oauth.get("oauth_version", "1.0") != "1.0":
        return False, "oauth_version is %r" % oauth.get("oauth_version"), base_string
    if not oauth.get("oauth_timestamp", "").isdigit() or not oauth.get("oauth_nonce"):
        return False, "oauth_timestamp or oauth_nonce missing", base_string
    if "oauth_signature" not in oauth:
        return False, "no oauth_signature", base_string

    request = SignedRequest(uri, method, params, oauth["oauth_signature"])
    if not signature.verify_rsa_sha1(request, public_key):
        return False, "RSA-SHA1 signature does not verify", base_string
    return True, "ok", base_string


def main():
    public_key_path, consumer_key = sys.argv[1], sys.argv[2]
    with open(public_key_path) as f:
        public_key = f.read()

    class Handler(BaseHTTPRequestHandler):
        def handle_any(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            ok, reason, base_string = verify(self.command, self.path, headers, body, public_key, consumer_key)
            if ok:
                status, answer = 200, {"ok": True, "baseString": base_string, "values": [], "isLastPage": True}
            else:
                status = 401
                answer = {"errors": [{"context": None, "message": "oauthlib: %s; base string: %s" % (reason, base_string), "exceptionName": None}]}
            data = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

        def log_message(self, format, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
