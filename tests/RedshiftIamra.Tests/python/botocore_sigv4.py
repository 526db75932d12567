"""Signs a request with botocore's SigV4Auth at a fixed time, for comparison.

Reads one JSON object on stdin:
  {"method": "POST", "url": "https://host[:port]/path",
   "headers": [["Name", "value"], ...],          # repeated names allowed
   "params": [["key", "value"], ...] | null,       # botocore encodes these itself
   "body_b64": "...", "access_key": "...", "secret_key": "...", "token": null | "...",
   "region": "...", "service": "...", "timestamp": "yyyyMMddTHHmmssZ"}
Prints JSON: {"authorization", "canonical_request", "string_to_sign", "x_amz_date", "botocore_version"}.
Exit code 3 when botocore is missing.
"""
import base64
import datetime
import json
import sys

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover - reported to the test
    print(f"python package missing: {e}; install 'botocore'", file=sys.stderr)
    sys.exit(3)


class CapturingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that remembers the canonical request it hashed."""

    canonical = None

    def string_to_sign(self, request, canonical_request):
        self.canonical = canonical_request
        return super().string_to_sign(request, canonical_request)


def main():
    spec = json.load(sys.stdin)
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")

    # botocore.auth reads the clock through get_current_datetime (older releases:
    # datetime.datetime.utcnow); freeze whichever this release uses.
    if hasattr(botocore.auth, "get_current_datetime"):
        botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
    else:  # pragma: no cover - older botocore
        class FrozenDateTime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed

        botocore.auth.datetime.datetime = FrozenDateTime

    request = AWSRequest(
        method=spec["method"],
        url=spec["url"],
        data=base64.b64decode(spec["body_b64"]),
        params=[tuple(p) for p in spec["params"]] if spec.get("params") else None,
    )
    for name, value in spec["headers"]:
        request.headers[name] = value  # HTTPHeaders: assignment appends, so repeats are kept

    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))
    signer = CapturingSigV4Auth(credentials, spec["service"], spec["region"])
    signer.add_auth(request)

    print(json.dumps({
        "authorization": request.headers["Authorization"],
        "canonical_request": signer.canonical,
        "string_to_sign": signer.string_to_sign(request, signer.canonical),
        "x_amz_date": request.headers["X-Amz-Date"],
        "botocore_version": botocore.__version__,
    }))


if __name__ == "__main__":
    main()
