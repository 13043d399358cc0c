#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ from the repository's test fixtures and vectors.

Run from the repository root: `python3 fuzz/seeds/make_seeds.py`. Deterministic: the same
fixtures give the same files. The only key used is the public W3C vc-di-eddsa test key (its
secret is published in the spec), so a seed token can carry a signature that checks.
"""
import base64, gzip, json, pathlib, copy

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "fuzz" / "corpus"
VEC = ROOT / "tests" / "vectors" / "vc-di-eddsa"
CASES = ROOT / "tests" / "fixtures" / "rdfc" / "cases"
SPEC_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_MULTIKEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + raw


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(message):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    secret = b58decode(SPEC_SECRET[1:])[2:]
    return Ed25519PrivateKey.from_private_bytes(secret).sign(message)


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, ensure_ascii=False)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def jwt(header, payload, signed=True):
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(json.dumps(payload, separators=(",", ":")).encode())
    sig = sign(f"{h}.{p}".encode()) if signed else bytes(64)
    return f"{h}.{p}.{b64u(sig)}"


vectors = {p.stem: json.loads(p.read_text()) for p in VEC.glob("*.json")}
cases = {p.stem: json.loads(p.read_text()) for p in CASES.glob("*.json")}
exam = {
    "attempt_id": "EXM-2026-000123", "achievement": "mlops-professional",
    "candidate": {"id": "cand-8812", "name": "Zoë Ångström", "email": "zoe@example.com"},
    "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": True,
             "score": 812, "max_score": 1000,
             "sections": [{"name": "Hands-on lab: pipeline", "score": 85, "max_score": 100}]},
}
did = "did:key:" + SPEC_MULTIKEY
kid = f"{did}#{SPEC_MULTIKEY}"
unsigned = {k: v for k, v in cases["ob"].items()}
unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Example Certification Board"}
payload = dict(unsigned, iss=did, jti=unsigned["id"], nbf=1740821400, iat=1740821400, exp=1835429400)
tokens = {
    "ok": jwt({"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": kid}, payload),
    "hs256": jwt({"alg": "HS256", "typ": "vc+jwt", "kid": kid}, payload, signed=False),
    "jku": jwt({"alg": "EdDSA", "jku": "https://e.example/jwks", "kid": kid}, payload),
    "small": jwt({"alg": "EdDSA", "kid": kid}, {"iss": did, "issuer": did}),
}

# strict_json: any JSON body, and the refusals the reader names.
for name, doc in list(vectors.items())[:3]:
    write("strict_json", f"seed-{name}", doc)
write("strict_json", "seed-exam", exam)
write("strict_json", "seed-duplicate", '{"a":1,"b":{"c":[1,2.5e3,-0,"\\u00e9\\ud83d\\ude00"]},"a":2}')
write("strict_json", "seed-deep", "[" * 63 + "]" * 63)
write("strict_json", "seed-numbers", '[1e309,-1e-400,18446744073709551616,-9223372036854775809,0.1]')

# verify_input: the shapes POST /credentials/verify accepts.
for name, doc in vectors.items():
    write("verify_input", f"seed-{name}", doc)
    write("verify_input", f"seed-vcapi-{name}", {"verifiableCredential": doc,
                                                  "options": {"checks": ["proof", "validity"]}})
write("verify_input", "seed-jwt", json.dumps(tokens["ok"]))
write("verify_input", "seed-enveloped", {"verifiableCredential": {
    "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential",
    "id": "data:application/vc+jwt," + tokens["ok"]}})
write("verify_input", "seed-status", cases["status"])

# enveloped and jwt: compact tokens.
for name, tok in tokens.items():
    write("enveloped", f"seed-{name}", tok)
    write("jwt", f"seed-{name}", tok)
write("jwt", "seed-two-parts", tokens["ok"].rsplit(".", 1)[0])

# status_list: encodedList values (GZIP, then multibase base64url).
for name, bits in {"zero-16k": bytes(16384), "some-set": bytes([0x80]) + bytes(2046) + bytes([1]),
                   "empty": b""}.items():
    write("status_list", f"seed-{name}", "u" + b64u(gzip.compress(bits, mtime=0)))
write("status_list", "seed-not-gzip", "u" + b64u(b"not gzip at all"))

# did_document: a did:web document as this service publishes it.
doc_id = "did:web:certs.example.com"
write("did_document", "seed-ours", {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": doc_id,
    "verificationMethod": [{"id": f"{doc_id}#key-1", "type": "Multikey", "controller": doc_id,
                            "publicKeyMultibase": SPEC_MULTIKEY}],
    "assertionMethod": [f"{doc_id}#key-1"]})
write("did_document", "seed-embedded-method", {
    "id": doc_id, "assertionMethod": [{"id": f"{doc_id}#k2", "type": "Multikey",
                                       "publicKeyMultibase": SPEC_MULTIKEY}],
    "verificationMethod": [{"id": f"{doc_id}#k2", "publicKeyMultibase": "z6Mk"}]})

# multibase: keys, proof values, base64url.
write("multibase", "seed-multikey", SPEC_MULTIKEY)
write("multibase", "seed-proofvalue", vectors["eddsa-jcs-2022-signedJCS"]["proof"]["proofValue"])
write("multibase", "seed-base64url", "u" + b64u(b"\x00\x01hello\xff"))
write("multibase", "seed-leading-zeros", "z111" + SPEC_MULTIKEY[1:10])

# exam_result: the DESIGN.md sample and near misses.
write("exam_result", "seed-design", exam)
hold = copy.deepcopy(exam); hold["on_missing_prerequisites"] = "hold"; hold["exam"].pop("sections")
write("exam_result", "seed-hold", hold)
bad = copy.deepcopy(exam); bad["exam"]["score"] = 1001; bad["candidate"]["name"] = " \u202e "
write("exam_result", "seed-bad", bad)

# rdfc: small JSON-LD documents with the embedded contexts.
for name, doc in cases.items():
    write("rdfc", f"seed-{name}", doc)
write("rdfc", "seed-blank-nodes", {"@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"], "issuer": "did:example:1",
    "credentialSubject": {"name": "a", "knows": {"name": "b"}}})

# baked_badge: Open Badges 3.0 §5.3 images carrying a credential (PNG iTXt, SVG element).
import struct, zlib


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(extra=b""):
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + extra + idat + png_chunk(b"IEND", b"")


credential = json.dumps(vectors["eddsa-rdfc-2022-signedDataInt"], ensure_ascii=False).encode()
itxt = b"openbadgecredential\x00\x00\x00\x00\x00"
write("baked_badge", "seed-png-json", tiny_png(png_chunk(b"iTXt", itxt + credential)))
write("baked_badge", "seed-png-jwt", tiny_png(png_chunk(b"iTXt", itxt + tokens["ok"].encode())))
write("baked_badge", "seed-png-zlib", tiny_png(png_chunk(
    b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(credential))))
write("baked_badge", "seed-png-plain", tiny_png())
svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
       '<openbadges:credential><![CDATA[{}]]></openbadges:credential><circle r="1"/></svg>')
write("baked_badge", "seed-svg-json", svg.replace("{}", credential.decode()))
write("baked_badge", "seed-svg-jwt", '<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
      f'<openbadges:credential verify="{tokens["ok"]}"/></svg>')
