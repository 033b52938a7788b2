"""Small PDFs written by hand for the PDF reader's tests: a few pages of content streams, a Flate
bomb, a password. Nothing here is read by xltools; it only makes files that are tiny on disk."""

from __future__ import annotations

import hashlib
import zlib

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def pdf(pages: list[bytes], *, flate: bool = False, encrypt: bytes | None = None, rotate: int = 0) -> bytes:
    """A PDF of these content streams (A4 pages, Helvetica as /F1). `encrypt`: a user password
    (the standard RC4 40-bit handler), so that the file cannot be opened without it."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for content in pages:
        body = zlib.compress(content) if flate else content
        stream = len(objects) + 1
        objects.append(
            b"<< /Length %d%s >>\nstream\n" % (len(body), b" /Filter /FlateDecode" if flate else b"")
            + body
            + b"\nendstream"
        )
        kids.append(len(objects) + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >>"
            b" /Contents %d 0 R%s >>" % (font, stream, b" /Rotate %d" % rotate if rotate else b"")
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    trailer = b""
    if encrypt is not None:
        file_id = hashlib.md5(b"xltools").digest()
        o, u = _rc4_entries(encrypt, file_id)
        objects.append(
            b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (o.hex().encode(), u.hex().encode())
        )
        trailer = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), file_id.hex().encode(), file_id.hex().encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def text_page(lines: list[str], size: int = 11) -> bytes:
    ops = [b"BT /F1 %d Tf" % size]
    for i, line in enumerate(lines):
        ops.append(b"1 0 0 1 60 %d Tm (%s) Tj" % (800 - i * (size + 6), line.encode("latin-1")))
    ops.append(b"ET")
    return b"\n".join(ops)


def grid_page(n: int, *, per_cell: bool = False) -> bytes:
    """An n x n grid of 5 pt cells, each holding a digit: drawn as full lines, or cell by cell."""
    ops = []
    step, x0, top = 5, 40, 800
    if per_cell:
        ops += [
            b"%d %d %d %d re" % (x0 + c * step, top - (r + 1) * step, step, step) for r in range(n) for c in range(n)
        ]
        ops.append(b"S")
    else:
        for k in range(n + 1):
            ops.append(b"%d %d m %d %d l" % (x0 + k * step, top, x0 + k * step, top - n * step))
            ops.append(b"%d %d m %d %d l" % (x0, top - k * step, x0 + n * step, top - k * step))
        ops.append(b"S")
    ops.append(b"BT /F1 3 Tf")
    ops += [
        b"1 0 0 1 %d %d Tm (%d) Tj" % (x0 + c * step + 1, top - (r + 1) * step + 1, (r + c) % 10)
        for r in range(n)
        for c in range(n)
    ]
    ops.append(b"ET")
    return b"\n".join(ops)


def flate_bomb(megabytes: int) -> bytes:
    """A page whose content stream is a few hundred KB on disk and `megabytes` of zeros inflated."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    body = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    for number, obj in enumerate(objects, 1):
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return bytes(out)


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _rc4_entries(user: bytes, file_id: bytes) -> tuple[bytes, bytes]:
    """/O and /U of the standard security handler, revision 2 (PDF 1.7, algorithms 3.2 to 3.4)."""
    padded_user = (user + _PAD)[:32]
    owner_key = hashlib.md5((b"owner" + _PAD)[:32]).digest()[:5]
    o = _rc4(owner_key, padded_user)
    key = hashlib.md5(padded_user + o + (-4).to_bytes(4, "little", signed=True) + file_id).digest()[:5]
    return o, _rc4(key, _PAD)
