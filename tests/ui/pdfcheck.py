"""Reading a PDF's document information the way Qt writes it (for the export tests)."""

from __future__ import annotations


def pdf_string(data: bytes, key: str) -> str:
    """The value of a literal string entry such as /Title (...) in a PDF's Info dictionary."""
    i = data.index(f"/{key} (".encode()) + len(key) + 3
    out = bytearray()
    depth = 0
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while True:
        c = data[i]
        i += 1
        if c == 0x5C:  # backslash
            nxt = data[i]
            i += 1
            if nxt in escapes:
                out.append(escapes[nxt])
            elif 0x30 <= nxt <= 0x37:
                digits = bytes([nxt])
                while len(digits) < 3 and 0x30 <= data[i] <= 0x37:
                    digits += bytes([data[i]])
                    i += 1
                out.append(int(digits, 8))
            else:
                out.append(nxt)
        elif c == 0x28:
            depth += 1
            out.append(c)
        elif c == 0x29:
            if depth == 0:
                break
            depth -= 1
            out.append(c)
        else:
            out.append(c)
    raw = bytes(out)
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    return raw.decode("latin-1")
