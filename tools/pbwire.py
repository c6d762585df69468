"""The protobuf wire format, enough to read ONNX files without the onnx package (bench/onnx_torch.py,
tools/calibrate.py): varints and the (field, wire type, value) triples of a message."""


def varint(b, i):
    """The varint at b[i:] and the index after it."""
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(field number, wire type, value) of a protobuf message; length-delimited and fixed values as bytes."""
    i = 0
    n = len(b)
    while i < n:
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v = b[i:i + 8]
            i += 8
        elif w == 2:
            ln, i = varint(b, i)
            v = b[i:i + ln]
            i += ln
        elif w == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % w)
        yield f, w, v
