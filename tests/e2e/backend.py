#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# backend.py — an e2e test backend: answers every GET with one line naming itself, the path
# and the X-Forwarded-For it received; with CONTENT_FILE, an origin for the CDN edge that
# serves that file's current text, cacheable (Cache-Control: max-age=300).
#
# Usage: backend.py NAME PORT [CONTENT_FILE]   (listens on 127.0.0.1:PORT)
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if CONTENT:
            with open(CONTENT, encoding="utf-8") as f:
                body = "origin %s %s" % (NAME, f.read().strip())
            cache = "public, max-age=300"
        else:
            body = "backend %s path=%s xff=%s" % (
                NAME, self.path, self.headers.get("X-Forwarded-For", "-"))
            cache = "no-store"
        data = (body + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (NAME, fmt % args))


NAME = sys.argv[1]
CONTENT = sys.argv[3] if len(sys.argv) > 3 else None
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
