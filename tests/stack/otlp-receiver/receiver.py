#!/usr/bin/env python3
"""A test OTLP/HTTP receiver: accepts `POST /v1/traces` (protobuf, as the services send it) and
prints one JSON line per span to stdout, for the stack test to read from the container's log:

    {"service": "gateway", "trace_id": "…", "span_id": "…", "parent_span_id": "…", "name": "…"}

It stands in for the OpenTelemetry collector, whose public image this project's machines cannot
pull. Standard library only; decodes just the fields it prints from the protobuf wire format
(opentelemetry/proto/collector/trace/v1/trace_service.proto).
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fields(data: bytes):
    """Yields (field number, wire type, value) for one protobuf message."""
    i = 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 1:
            yield number, wire, data[i:i + 8]
            i += 8
        elif wire == 2:
            length = varint()
            yield number, wire, data[i:i + length]
            i += length
        elif wire == 5:
            yield number, wire, data[i:i + 4]
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def sub(data: bytes, number: int):
    return [value for n, wire, value in fields(data) if n == number and wire == 2]


def service_name(resource: bytes) -> str:
    # Resource.attributes (1) → KeyValue{key (1), value (2): AnyValue{string_value (1)}}
    for attribute in sub(resource, 1):
        key = b"".join(sub(attribute, 1)).decode()
        if key == "service.name":
            for value in sub(attribute, 2):
                return b"".join(sub(value, 1)).decode()
    return ""


def spans(request: bytes):
    # ExportTraceServiceRequest.resource_spans (1) → ResourceSpans{resource (1),
    # scope_spans (2) → ScopeSpans{spans (2) → Span{trace_id 1, span_id 2, parent_span_id 4, name 5}}}
    for resource_spans in sub(request, 1):
        service = "".join(service_name(r) for r in sub(resource_spans, 1))
        for scope_spans in sub(resource_spans, 2):
            for span in sub(scope_spans, 2):
                one = {n: v for n, wire, v in fields(span) if wire == 2 and n in (1, 2, 4, 5)}
                yield {
                    "service": service,
                    "trace_id": one.get(1, b"").hex(),
                    "span_id": one.get(2, b"").hex(),
                    "parent_span_id": one.get(4, b"").hex(),
                    "name": one.get(5, b"").decode(errors="replace"),
                }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        try:
            for span in spans(body):
                print(json.dumps(span), flush=True)
        except (ValueError, IndexError, UnicodeDecodeError) as error:
            print(json.dumps({"error": str(error)}), file=sys.stderr, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        # An empty ExportTraceServiceResponse.
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 4318), Handler).serve_forever()
