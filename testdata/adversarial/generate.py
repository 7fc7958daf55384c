#!/usr/bin/env python3
"""Generates the adversarial PDF corpus: hostile files that try to make the reader
or the verifier loop, recurse, allocate or decompress without bound.

Standard library only. Run from anywhere: `python3 testdata/adversarial/generate.py`. It rewrites
the *.pdf files next to it and MANIFEST.tsv, whose columns are: file, expected outcome of
`pades::inspect`, expected outcome of `pades::verify` (`ok` or a `PadesError::code()`), and what
the file attacks. backend/pades/tests/adversarial.rs runs both on every file and checks the
outcome, the time and the peak heap.
"""

import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_OBJ = 8388607


def zeros_deflated(n, level=9):
    """zlib stream of n zero bytes, built in chunks (n may be hundreds of MB)."""
    c = zlib.compressobj(level)
    out = []
    chunk = b"\0" * (1 << 20)
    while n > 0:
        k = min(n, len(chunk))
        out.append(c.compress(chunk[:k]))
        n -= k
    out.append(c.flush())
    return b"".join(out)


def stream(dict_body, data):
    return b"<< " + dict_body + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def layout(objects):
    """Header and `N 0 obj` bodies; returns (bytes, {num: offset})."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects:
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    return out, offsets


def table(offsets, size):
    t = bytearray(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for n in range(1, size):
        if n in offsets:
            t += b"%010d 00000 n \n" % offsets[n]
        else:
            t += b"0000000000 00000 f \n"
    return bytes(t)


def classic(objects, trailer_extra=b"", prev_self=False):
    """A file with one classic xref table; `prev_self` points /Prev at the table itself."""
    out, offsets = layout(objects)
    size = max(offsets) + 1
    xref_at = len(out)
    out += table(offsets, size)
    prev = b" /Prev %d" % xref_at if prev_self else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s " % (size, prev) + trailer_extra + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def xref_stream_file(objects, in_stream=None, xref_dict=None, xref_data=None, xref_filter=None):
    """A file whose xref is a stream. `in_stream` maps object numbers to (objstm, index)
    (type 2 entries); `xref_dict`/`xref_data` replace the honest /Index and rows."""
    in_stream = in_stream or {}
    out, offsets = layout(objects)
    xnum = max(list(offsets) + list(in_stream)) + 1
    size = xnum + 1
    offsets[xnum] = len(out)
    rows = bytearray()
    for n in range(size):
        if n in in_stream:
            s, i = in_stream[n]
            rows += bytes([2]) + s.to_bytes(4, "big") + i.to_bytes(2, "big")
        elif n in offsets:
            rows += bytes([1]) + offsets[n].to_bytes(4, "big") + (0).to_bytes(2, "big")
        else:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (0).to_bytes(2, "big")
    data = xref_data if xref_data is not None else zlib.compress(bytes(rows))
    d = xref_dict or b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size
    filt = xref_filter if xref_filter is not None else b"/Filter /FlateDecode"
    out += b"%d 0 obj\n" % xnum + stream(d + b" " + filt, data) + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xnum]
    return bytes(out)


def objstm(members, extra=b"", filt=b"/Filter /FlateDecode", data=None, length=None):
    """An object stream holding `members` [(num, body)]."""
    head, body = [], bytearray()
    for num, b in members:
        head.append(b"%d %d" % (num, len(body)))
        body += b + b"\n"
    head = b" ".join(head) + b"\n"
    raw = head + bytes(body)
    if data is None:
        data = zlib.compress(raw)
    d = b"<< /Type /ObjStm /N %d /First %d %s %s /Length %s >>\nstream\n" % (
        len(members), len(head), extra, filt,
        length if length is not None else b"%d" % len(data))
    return d + data + b"\nendstream"


def basic(extra_catalog=b""):
    return [(1, b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b" >>"), (2, PAGES), (3, PAGE)]


def nested(open_, close, depth):
    return open_ * depth + b"0" + close * depth


CASES = []


def case(name, inspect, verify, what):
    def register(build):
        CASES.append((name, inspect, verify, what, build))
        return build
    return register


@case("trailer-80k-keys.pdf", "ok", "ok",
      "review (a): a trailer with 80,000 distinct keys (960 KB); duplicate-key detection must be linear")
def _():
    keys = b" ".join(b"/Kx%05d 11" % i for i in range(80_000))
    return classic(basic(), trailer_extra=keys)


@case("dss-certs-16-refs-256mb-bomb.pdf", "ok", "pdf_too_complex",
      "review (b): /DSS /Certs lists one 256 MB flate bomb 16 times (260 KB file)")
def _():
    bomb = zeros_deflated(256 << 20)
    refs = b" ".join(b"10 0 R" for _ in range(16))
    objs = basic(b"/DSS 4 0 R") + [(4, b"<< /Certs [" + refs + b"] >>"),
                                    (10, stream(b"/Filter /FlateDecode", bomb))]
    return classic(objs)


@case("dss-certs-64-small-bombs.pdf", "ok", "pdf_too_complex",
      "many small bombs summing up: 64 distinct DSS certificate streams of 2 MB each")
def _():
    bomb = zeros_deflated(2 << 20)
    objs = basic(b"/DSS 4 0 R")
    refs = []
    for i in range(64):
        objs.append((10 + i, stream(b"/Filter /FlateDecode", bomb)))
        refs.append(b"%d 0 R" % (10 + i))
    objs.insert(3, (4, b"<< /Certs [" + b" ".join(refs) + b"] >>"))
    return classic(objs)


def unbounded_index(pairs, zero_rows):
    index = b" ".join(b"0 %d" % MAX_OBJ for _ in range(pairs))
    d = b"/Type /XRef /Size %d /W [1 0 0] /Root 1 0 R /Index [%s]" % (MAX_OBJ, index)
    return xref_stream_file(basic(), xref_dict=d, xref_data=zeros_deflated(zero_rows))


@case("xref-index-unbounded-33k.pdf", "pdf_too_complex", "pdf_too_complex",
      "review (c): xref stream /Index ranges of 8.4 M entries each over 33 M one-byte rows (33 KB)")
def _():
    return unbounded_index(4, 33 << 20)


@case("xref-index-unbounded-131k.pdf", "pdf_too_complex", "pdf_too_complex",
      "review (c): the same with 16 ranges over 134 M rows (131 KB)")
def _():
    return unbounded_index(16, 128 << 20)


@case("xref-table-huge-subsection.pdf", "pdf_too_complex", "pdf_too_complex",
      "a classic xref subsection header announcing 8,388,607 entries")
def _():
    f = classic(basic())
    return f.replace(b"xref\n0 4\n", b"xref\n0 8388607\n", 1)


@case("nesting-arrays-100k.pdf", "pdf_too_complex", "pdf_too_complex",
      "arrays nested 100,000 deep in the catalog")
def _():
    return classic(basic(b"/Deep " + nested(b"[", b"]", 100_000)))


@case("nesting-dicts-40k-trailer.pdf", "pdf_too_complex", "pdf_too_complex",
      "dictionaries nested 40,000 deep in the trailer")
def _():
    return classic(basic(), trailer_extra=b"/Deep " + nested(b"<</A", b">>", 40_000))


@case("length-self-reference.pdf", "ok", "ok",
      "the object stream holding the catalog has /Length pointing at itself")
def _():
    objs = [(4, objstm([(1, CATALOG)], length=b"4 0 R")), (2, PAGES), (3, PAGE)]
    return xref_stream_file(objs, in_stream={1: (4, 0)})


@case("length-in-own-object-stream.pdf", "ok", "ok",
      "an object stream's /Length is an object inside that same object stream")
def _():
    objs = [(4, objstm([(1, CATALOG), (5, b"999999")], length=b"5 0 R")), (2, PAGES), (3, PAGE)]
    return xref_stream_file(objs, in_stream={1: (4, 0), 5: (4, 1)})


@case("length-huge.pdf", "ok", "ok",
      "/Length of 10^15 on the xref stream, an object stream and a DSS stream (beyond the file end)")
def _():
    cert = b"<< /Length 999999999999999 >>\nstream\n0\x03\x02\x01\x00\nendstream"
    objs = [(4, objstm([(1, b"<< /Type /Catalog /Pages 2 0 R /DSS 6 0 R >>")],
                       length=b"999999999999999")),
            (2, PAGES), (3, PAGE), (6, b"<< /Certs [7 0 R] >>"), (7, cert)]
    f = xref_stream_file(objs, in_stream={1: (4, 0)})
    # The xref stream's own /Length too.
    at = f.rindex(b"/Length ")
    end = f.index(b" >>", at)
    return f[:at] + b"/Length 999999999999999" + f[end:]


@case("pages-kids-self.pdf", "damaged_pdf", "damaged_pdf",
      "the page tree root lists itself in /Kids")
def _():
    return classic([(1, CATALOG), (2, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), (3, PAGE)])


@case("pages-kids-cycle.pdf", "damaged_pdf", "damaged_pdf",
      "two page tree nodes that are each other's kid")
def _():
    return classic([(1, CATALOG), (2, b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>"), (3, PAGE),
                    (4, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>")])


@case("reference-chain.pdf", "damaged_pdf", "damaged_pdf",
      "/Pages reached through a chain of 3,000 indirect references")
def _():
    objs = [(1, b"<< /Type /Catalog /Pages 10 0 R >>"), (2, PAGES), (3, PAGE)]
    for i in range(10, 3010):
        objs.append((i, b"%d 0 R" % (i + 1)))
    objs.append((3010, b"2 0 R"))
    return classic(objs)


@case("root-self-reference.pdf", "damaged_pdf", "damaged_pdf",
      "the catalog object is a reference to itself")
def _():
    return classic([(1, b"1 0 R"), (2, PAGES), (3, PAGE)])


@case("objstm-in-itself.pdf", "damaged_pdf", "damaged_pdf",
      "an object stream whose xref entry says it lies inside itself, with /Extends to itself")
def _():
    objs = [(4, objstm([(1, CATALOG)], extra=b"/Extends 4 0 R")), (2, PAGES), (3, PAGE)]
    return xref_stream_file(objs, in_stream={1: (4, 0), 4: (4, 0)})


@case("objstm-extends-cycle.pdf", "ok", "ok",
      "two object streams that /Extends each other and whose objects refer across")
def _():
    s4 = objstm([(1, CATALOG), (3, PAGE)], extra=b"/Extends 5 0 R")
    s5 = objstm([(2, PAGES)], extra=b"/Extends 4 0 R")
    return xref_stream_file([(4, s4), (5, s5)], in_stream={1: (4, 0), 3: (4, 1), 2: (5, 0)})


@case("prev-self-loop.pdf", "damaged_pdf", "damaged_pdf",
      "the trailer's /Prev points at its own xref table")
def _():
    return classic(basic(), prev_self=True)


@case("prev-two-cycle.pdf", "damaged_pdf", "damaged_pdf",
      "two xref sections whose /Prev point at each other")
def _():
    out, offsets = layout(basic())
    first = len(out)
    t = table(offsets, 4)
    second = first + len(t) + len(b"trailer\n<< /Size 4 /Root 1 0 R /Prev 0000000000 >>\n")
    out += t + b"trailer\n<< /Size 4 /Root 1 0 R /Prev %010d >>\n" % second
    out += t + b"trailer\n<< /Size 4 /Root 1 0 R /Prev %010d >>\n" % first
    out += b"startxref\n%d\n%%%%EOF\n" % second
    return bytes(out)


@case("image-absurd-size.pdf", "ok", "ok",
      "an image claiming 2^31 x 2^31 pixels, /Length 10^12, over a 64 MB bomb (never decoded)")
def _():
    img = (b"<< /Type /XObject /Subtype /Image /Width 2147483647 /Height 2147483647 "
           b"/ColorSpace /DeviceRGB /BitsPerComponent 16 /Filter /FlateDecode "
           b"/Length 1000000000000 >>\nstream\n" + zeros_deflated(64 << 20) + b"\nendstream")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im 4 0 R >> >> >>"
    return classic([(1, CATALOG), (2, PAGES), (3, page), (4, img)])


@case("predictor-absurd-columns.pdf", "damaged_pdf", "damaged_pdf",
      "xref stream with a PNG predictor row of 64 MiB (/Columns 1048576 /Colors 32 /BitsPerComponent 16)")
def _():
    return xref_stream_file(
        basic(),
        xref_filter=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1048576 "
                    b"/Colors 32 /BitsPerComponent 16 >>")


@case("objstm-double-flate-bomb.pdf", "pdf_too_complex", "pdf_too_complex",
      "the catalog's object stream is [/FlateDecode /FlateDecode] over 1 GiB of zeros")
def _():
    data = zlib.compress(zeros_deflated(1 << 30), 9)
    objs = [(4, objstm([(1, CATALOG)], filt=b"/Filter [/FlateDecode /FlateDecode]", data=data)),
            (2, PAGES), (3, PAGE)]
    return xref_stream_file(objs, in_stream={1: (4, 0)})


@case("xref-stream-double-flate-bomb.pdf", "pdf_too_complex", "pdf_too_complex",
      "the xref stream itself is [/FlateDecode /FlateDecode] over 1 GiB")
def _():
    data = zlib.compress(zeros_deflated(1 << 30), 9)
    return xref_stream_file(basic(), xref_data=data,
                            xref_filter=b"/Filter [/FlateDecode /FlateDecode]")


@case("fields-in-64-objstm-bombs.pdf", "pdf_too_complex", "pdf_too_complex",
      "64 form fields, each in its own object stream padded to 1 MB decoded: many small bombs")
def _():
    pad = b" " * (1 << 20)
    objs = [(2, PAGES), (3, PAGE)]
    in_stream = {1: (100, 0)}
    fields = []
    for i in range(64):
        fnum, snum = 10 + i, 200 + i
        body = b"<< /FT /Sig /T (f%d) >>" % i
        head = b"%d 0\n" % fnum
        raw = head + body + pad
        data = zlib.compress(raw, 9)
        objs.append((snum, b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                     % (len(head), len(data)) + data + b"\nendstream"))
        in_stream[fnum] = (snum, 0)
        fields.append(b"%d 0 R" % fnum)
    cat = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + b" ".join(fields) + b"] >> >>"
    objs.append((100, objstm([(1, cat)])))
    return xref_stream_file(objs, in_stream=in_stream)


@case("fields-shared-kids-fanout.pdf", "pdf_too_complex", "pdf_too_complex",
      "3,000 form fields sharing one /Kids array of all of them: quadratic fan-out")
def _():
    n = 3000
    kids = b"[" + b" ".join(b"%d 0 R" % (10 + i) for i in range(n)) + b"]"
    objs = basic(b"/AcroForm << /Fields 5 0 R >>") + [(4, kids), (5, b"[10 0 R]")]
    for i in range(n):
        objs.append((10 + i, b"<< /T (f%d) /Kids 4 0 R >>" % i))
    return classic(objs)


@case("array-140k-elements.pdf", "ok", "ok",
      "an array of 140,000 integers in the catalog (large but linear)")
def _():
    return classic(basic(b"/Big [" + b" ".join(b"0" for _ in range(140_000)) + b"]"))


@case("signature-fields-500.pdf", "ok", "pdf_too_complex",
      "500 signed signature fields, more than the verifier checks in one call")
def _():
    n = 500
    fields = b" ".join(b"%d 0 R" % (10 + i) for i in range(n))
    objs = basic(b"/AcroForm << /Fields [" + fields + b"] /SigFlags 3 >>")
    sig = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <3000> >>"
    objs.append((9, sig))
    for i in range(n):
        objs.append((10 + i, b"<< /FT /Sig /T (s%d) /V 9 0 R >>" % i))
    return classic(objs)


def main():
    rows = []
    wanted = set()
    for name, inspect, verify, what, build in CASES:
        data = build()
        assert len(data) < 1_000_000, (name, len(data))
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        wanted.add(name)
        rows.append("%s\t%s\t%s\t%s" % (name, inspect, verify, what))
        print("%-40s %8d bytes" % (name, len(data)))
    for old in os.listdir(HERE):
        if old.endswith(".pdf") and old not in wanted:
            os.remove(os.path.join(HERE, old))
    with open(os.path.join(HERE, "MANIFEST.tsv"), "w") as f:
        f.write("# file\tinspect\tverify\twhat it attacks (generated by generate.py)\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
