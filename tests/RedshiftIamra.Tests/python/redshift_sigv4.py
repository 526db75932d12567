"""Cross-checks one Redshift / Redshift Serverless request against botocore.

Reads a JSON object on stdin:
  {"service": "redshift" | "redshift-serverless", "operation": "GetClusterCredentials",
   "params": {...},                       # the operation's input, as botocore takes it
   "url": "http://127.0.0.1:PORT/",       # where our client sent the request
   "body_b64": "...",                     # the exact body our client sent
   "headers": [["Content-Type", "..."], ["X-Amz-Target", "..."]],  # our signed, non-computed headers
   "access_key": "...", "secret_key": "...", "token": "..." | null,
   "region": "...", "timestamp": "yyyyMMddTHHmmssZ"}   # our X-Amz-Date

Prints JSON:
  "authorization":   botocore SigV4Auth's Authorization for OUR body and headers at OUR time,
  "canonical_request": the canonical request botocore hashed,
  "body_b64", "headers": what botocore's own serializer makes of "params" from the
                         service model installed on this machine (the reference for marshalling),
  "signing_name":    the model's signing name, "botocore_version".
Exit code 3 when botocore is missing.
"""
import base64
import datetime
import json
import sys

try:
    import botocore
    import botocore.auth
    import botocore.serialize
    import botocore.session
    from botocore.awsrequest import AWSRequest
    from botocore.compat import urlencode
    from botocore.credentials import Credentials
except ImportError as error:  # pragma: no cover - reported to the test
    print(f"python package missing: {error}; install 'botocore'", file=sys.stderr)
    sys.exit(3)


def freeze_clock(at):
    # botocore.auth reads the time through get_current_datetime (older releases: utcnow).
    if hasattr(botocore.auth, "get_current_datetime"):
        botocore.auth.get_current_datetime = lambda *args, **kwargs: at
    else:  # pragma: no cover
        class Frozen(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return at

        botocore.auth.datetime.datetime = Frozen


def serialize_with_model(service, operation, params):
    model = botocore.session.get_session().get_service_model(service)
    serializer = botocore.serialize.create_serializer(model.metadata["protocol"], include_validation=True)
    request = serializer.serialize_to_request(params, model.operation_model(operation))
    body = request["body"]
    if isinstance(body, dict):
        body = urlencode(list(body.items()), doseq=True)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return model, body, dict(request["headers"])


class RememberingSigV4Auth(botocore.auth.SigV4Auth):
    canonical = None

    def string_to_sign(self, request, canonical_request):
        self.canonical = canonical_request
        return super().string_to_sign(request, canonical_request)


def main():
    spec = json.load(sys.stdin)
    model, reference_body, reference_headers = serialize_with_model(spec["service"], spec["operation"], spec["params"])
    signing_name = model.signing_name

    freeze_clock(datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ"))
    request = AWSRequest(method="POST", url=spec["url"], data=base64.b64decode(spec["body_b64"]))
    for name, value in spec["headers"]:
        request.headers[name] = value
    auth = RememberingSigV4Auth(Credentials(spec["access_key"], spec["secret_key"], spec.get("token")), signing_name, spec["region"])
    auth.add_auth(request)

    print(json.dumps({
        "authorization": request.headers["Authorization"],
        "canonical_request": auth.canonical,
        "body_b64": base64.b64encode(reference_body).decode("ascii"),
        "headers": reference_headers,
        "signing_name": signing_name,
        "botocore_version": botocore.__version__,
    }))


if __name__ == "__main__":
    main()
