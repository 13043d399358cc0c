"""Reads a baked Open Badges 3.0 image with libraries independent of attest's Rust code, and
prints what it found as JSON on stdout (used by tests/badges.rs).

PNG: pypng (a pure-Python PNG codec, CRCs checked) walks the chunks and decodes the pixels;
the iTXt fields are split here per PNG 3rd ed. section 11.3.3.4. SVG: xml.etree.

    python extract.py png FILE   ->  {"width", "height", "planes", "itxt": [{keyword,
                                      compressed, language, translated, text}], "first": [...]}
    python extract.py svg FILE   ->  {"credentials": [{"verify", "text"}], "root": tag}
"""
import json
import sys
import xml.etree.ElementTree as ET

import png

OB_NS = "https://purl.imsglobal.org/ob/v3p0"


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    itxt, order = [], []
    for kind, body in png.Reader(bytes=data).chunks():
        kind = kind.decode("latin-1")
        order.append(kind)
        if kind != "iTXt":
            continue
        keyword, rest = body.split(b"\0", 1)
        flag, method, rest = rest[0], rest[1], rest[2:]
        language, rest = rest.split(b"\0", 1)
        translated, text = rest.split(b"\0", 1)
        itxt.append({
            "keyword": keyword.decode("latin-1"),
            "compressed": flag != 0 or method != 0,
            "language": language.decode("ascii"),
            "translated": translated.decode("utf-8"),
            "text": text.decode("utf-8"),
        })
    # A second reader decodes every pixel row: the file is a real image, not just chunks.
    width, height, rows, info = png.Reader(bytes=data).read()
    rows = [bytearray(r) for r in rows]
    planes = info["planes"]
    distinct = len({bytes(r[i:i + planes]) for r in rows[::8] for i in range(0, len(r), planes * 8)})
    return {"width": width, "height": height, "planes": planes, "rows": len(rows),
            "distinct_colours_sampled": distinct, "itxt": itxt, "first": order[:3]}


def read_svg(path):
    tree = ET.parse(path)
    root = tree.getroot()
    found = []
    for el in root.iter("{%s}credential" % OB_NS):
        found.append({"verify": el.get("verify"), "text": el.text or ""})
    return {"root": root.tag, "credentials": found,
            "first_child": root[0].tag if len(root) else None}


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    print(json.dumps(read_png(path) if kind == "png" else read_svg(path)))
