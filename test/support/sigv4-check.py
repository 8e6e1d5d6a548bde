# Recomputes an AWS Signature Version 4 with botocore (Debian's python3-botocore: AWS's own Python
# implementation, independent of the aws4fetch signer Ferry uses) and says whether the request's
# Authorization header carries that signature. Reads one JSON request on stdin, prints a JSON verdict.
import base64
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

req = json.load(sys.stdin)
headers = {k: v for k, v in req["headers"].items() if k.lower() != "authorization"}
authorization = req["headers"].get("authorization", "")
request = AWSRequest(method=req["method"], url=req["url"], headers=headers, data=base64.b64decode(req["body"]))
auth = SigV4Auth(Credentials(req["accessKeyId"], req["secretAccessKey"], req.get("sessionToken")), req["service"], req["region"])
# Sign at the time the request says it was signed (botocore would take the current time).
request.context["timestamp"] = headers.get("x-amz-date") or headers.get("X-Amz-Date")
canonical = auth.canonical_request(request)
string_to_sign = auth.string_to_sign(request, canonical)
signature = auth.signature(string_to_sign, request)
signed_headers = auth.signed_headers(auth.headers_to_sign(request))
scope = auth.credential_scope(request)
expected = f"AWS4-HMAC-SHA256 Credential={req['accessKeyId']}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
print(json.dumps({"ok": " ".join(authorization.split()) == " ".join(expected.split()), "expected": expected, "got": authorization}))
