#!/usr/bin/env python3
"""Writes the small seed corpora in fuzz/seeds/<target>/ from the test fixtures: the images of
tests/data (and PNG, GIF and EXIF-carrying JPEG seeds made the way tests/common/images.rs makes
its crafted files), the shipped example config, and the forms and API bodies the tests send.
Needs only Python 3 and the `age` tool. Run from anywhere: python3 fuzz/make_seeds.py"""

import base64, os, struct, subprocess, zlib
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"
BOUNDARY = b"fuzzboundary"
TOKEN = "0123456789abcdef0123456789abcdef"


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def fixture(name):
    return (ROOT / "tests" / "data" / name).read_bytes()


def recipient():
    out = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
    return next(l.split(": ")[1] for l in out.splitlines() if l.startswith("# public key"))


def age_file(n):
    args = ["age"]
    for _ in range(n):
        args += ["-r", recipient()]
    return subprocess.run(args, input=b"a reply", capture_output=True, check=True).stdout


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, alpha=False, text=True):
    """A small PNG with gradients, and a tEXt chunk as in images::png_with_text."""
    bpp = 4 if alpha else 3
    rows = b"".join(
        b"\0" + bytes(v for x in range(w) for v in ((x * 40) % 256, (y * 60) % 256, 90, 128)[:bpp])
        for y in range(h)
    )
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6 if alpha else 2, 0, 0, 0))
    if text:
        out += png_chunk(b"tEXt", b"Comment\0PNG-TEXT-SENTINEL-3141")
    return out + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def png_bomb():
    """A header claiming 60,000 x 60,000 pixels over a few bytes of data (images::png_bomb)."""
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))


def gif_two_frames():
    """Two 2 x 2 frames, red then blue, with a global colour table (images::gif_two_frames)."""
    head = b"GIF89a" + struct.pack("<HHBBB", 2, 2, 0x80, 0, 0) + bytes([255, 0, 0, 0, 0, 255])
    frame = (b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 2, 2, 0)
             + b"\x02\x02\x44\x01\x00")
    blue = (b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 2, 2, 0)
            + b"\x02\x02\x8c\x0f\x00")
    return head + frame + blue + b"\x3b"


def jpeg_with_exif(jpeg):
    """The fixture JPEG with an APP1 EXIF block (orientation 6 and a serial number) after SOI."""
    entries = [(0x0112, 3, 1, struct.pack("<HH", 6, 0)), (0x010F, 2, 4, b"MAK\0")]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", t, k, n) + v for t, k, n, v in entries) + struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd
    payload = b"Exif\0\0" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def multipart(fields, files):
    out = b""
    for name, value in fields:
        out += (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="' + name.encode()
                + b'"\r\n\r\n' + value.encode() + b"\r\n")
    for name, data in files:
        out += (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="evidence"; filename="'
                + name.encode() + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + data + b"\r\n")
    return out + b"--" + BOUNDARY + b"--\r\n"


def main():
    for i, code in enumerate(["7KQM-9XTR-2HVD-P4WA", "7kqm 9xtr 2hvd p4wa\n", "lOab-cdef-ghjk-mnpq",
                              "7KQM-9XTR-2HVD", "7KQM-9XTR-2HVD-P4WU", TOKEN]):
        write("code", str(i), code)

    forms = [
        "category=bullying&description=Ze+pesten+me%0A%C3%A9&where=school&when=gisteren"
        "&involved=klas+3b&danger_now=no&lang=en&t=" + TOKEN,
        "description=hallo%FF%FEdaar&category=images_shared&danger_now=unsure",
        "code=7KQM-9XTR-2HVD-P4WA&message=Dank+je&lang=ar",
        "code=7kqm9xtr2hvdp4wa&shown=7KQM-9XTR-2HVD-P4WA&lang=uk",
        "description=&category=nope&danger_now=maybe&where=%E2%80%AE",
    ]
    for i, f in enumerate(forms):
        write("form", str(i), f)

    # Multipart: 12 bytes of choices (fuzz_targets/multipart.rs), then the body.
    jpeg = fixture("progressive-restart.jpg")
    webp = fixture("lossy-alpha.webp")
    report = [("lang", "en"), ("category", "bullying"), ("description", "Ze pesten me"), ("t", TOKEN)]
    bodies = [
        (0, multipart(report, [("IMG_1.jpg", jpeg), ("C:\\fakepath\\s.webp", webp)])),
        (0, multipart([("code", "7KQM-9XTR-2HVD-P4WA"), ("message", "hoi")], [("", b"")])),
        (1, multipart(report, [("a.jpg", b"not an image")])),
        (4, multipart([("category", "sextortion")], [("x.jpg", jpeg)])),
        (3, forms[0].encode()),
        # 20 x 64 KiB of filler spliced into the file: over the 1 MiB per-part limit.
        (0x10, multipart(report, [("big.jpg", jpeg)])),
    ]
    for i, (flags, body) in enumerate(bodies):
        write("multipart", str(i), bytes([flags, 20, 200, 0, 7, 64, 3, 200, 0, 0, 0, 0]) + body)

    # API: byte 0 picks the call (fuzz_targets/api_json.rs).
    r = recipient()
    reply = age_file(2)
    b64 = lambda b: base64.b64encode(b).decode()
    api = [
        (0, '{"recipient":"%s"}' % r),
        (1, '{"recipient":"%s","response":"%s"}' % (r, "ab" * 32)),
        (2, '{"author":"adviser","ciphertext":"%s","sealed_for":"0123456789abcdef"}' % b64(reply)),
        (2, '{"author":"note","ciphertext":"%s"}' % b64(age_file(1))),
        (3, '{"status":"open"}'),
        (4, '{"held":true}'),
        (5, reply),
        (6, "status=new&since=2026-01-01&limit=5&after="),
    ]
    for i, (pick, body) in enumerate(api):
        write("api_json", str(i), bytes([pick]) + (body if isinstance(body, bytes) else body.encode()))

    # Evidence: byte 0 picks the limits (even: the small set), then the file.
    files = {n: fixture(n) for n in ["lossy.webp", "lossy-alpha.webp", "animated-lossless.webp",
                                     "animated-lossy.webp", "progressive-restart.jpg"]}
    files["exif.jpg"] = jpeg_with_exif(jpeg)
    files["text.png"] = png(24, 16)
    files["alpha.png"] = png(8, 8, alpha=True, text=False)
    files["two.gif"] = gif_two_frames()
    files["bomb.png"] = png_bomb()
    for name, data in files.items():
        write("evidence", name, b"\0" + data)

    # Config: the shipped example without its comments, and a small one with named advisers.
    example = (ROOT / "docs" / "fluister.example.toml").read_text()
    bare = "".join(l + "\n" for l in example.splitlines() if l.strip() and not l.lstrip().startswith("#"))
    write("config", "example.toml", bare)
    write("config", "small.toml",
          'data_dir = "/tmp/x"\n[[school]]\nslug = "de-linde"\nname = "De Linde"\n'
          'advisers = ["%s", { key = "%s", name = "Mevr. Jansen" }]\n'
          'recovery = "%s"\ndelete_closed_after_days = 365\n' % (recipient(), recipient(), recipient()))


if __name__ == "__main__":
    main()
