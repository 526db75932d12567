"""Independent check of an X.509 SigV4 signature with the `cryptography` package.

Reads one JSON object on stdin:
  {"certificate_pem": "...", "string_to_sign": "...", "signature_hex": "..."}
Verifies the signature over the UTF-8 bytes of the string to sign with the
certificate's public key (RSA: PKCS#1 v1.5 + SHA-256; EC: ECDSA + SHA-256 on a DER
signature) and prints JSON:
  {"verified": true, "serial": "<decimal>", "key_type": "rsa"|"ec", "key_size": N, "curve": "..."}
Exit codes: 0 verified, 1 signature invalid, 3 a Python package is missing.
"""
import json
import sys

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
except ImportError as e:  # pragma: no cover - reported to the test
    print(f"python package missing: {e}; install 'cryptography'", file=sys.stderr)
    sys.exit(3)


def main():
    request = json.load(sys.stdin)
    cert = x509.load_pem_x509_certificate(request["certificate_pem"].encode("ascii"))
    data = request["string_to_sign"].encode("utf-8")
    signature = bytes.fromhex(request["signature_hex"])
    key = cert.public_key()
    result = {"serial": str(cert.serial_number), "key_size": key.key_size}
    try:
        if isinstance(key, rsa.RSAPublicKey):
            result["key_type"] = "rsa"
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            result["key_type"] = "ec"
            result["curve"] = key.curve.name
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            print(f"unexpected key type {type(key).__name__}", file=sys.stderr)
            sys.exit(2)
    except InvalidSignature:
        result["verified"] = False
        print(json.dumps(result))
        sys.exit(1)
    result["verified"] = True
    print(json.dumps(result))


if __name__ == "__main__":
    main()
