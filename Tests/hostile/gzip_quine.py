#!/usr/bin/env python3
"""Writes a gzip file that decompresses to itself, CRC-32 and size included (a "gzip quine").

libarchive's filter bidding sees gzip, decompresses, sees the same gzip again, and so on: the shape of
libarchive's own test_read_filter_gzip_recursive.gz, which kept an earlier Backfill busy for minutes.

Construction (R. Cox, "Zip Files All The Way Down"): every deflate op is exactly 5 bytes — a stored block
`lit(n)` prints the next n bytes, a fixed-Huffman block `rep(n)` copies the last n bytes (two length/distance
pairs, distance n) — arranged so the output repeats the whole file. The CRC-32 in the trailer is part of the
output it checks; CRC-32 is affine over GF(2), so the fixed point is found by solving a 32×32 linear system.
Usage: gzip_quine.py OUT  (stdlib only; checks the result with Python's gzip module).
"""
import gzip
import struct
import sys
import zlib

# (base length, symbol, extra bits) and (base distance, code, extra bits), RFC 1951 §3.2.5.
LENGTHS = [(3, 257, 0), (4, 258, 0), (5, 259, 0), (6, 260, 0), (7, 261, 0), (8, 262, 0), (9, 263, 0),
           (10, 264, 0), (11, 265, 1), (13, 266, 1), (15, 267, 1), (17, 268, 1), (19, 269, 2), (23, 270, 2)]
DISTANCES = [(1, 0, 0), (2, 1, 0), (3, 2, 0), (4, 3, 0), (5, 4, 1), (7, 5, 1), (9, 6, 2), (13, 7, 2),
             (17, 8, 3), (25, 9, 3), (33, 10, 4)]


def floor(table, n):
    return [row for row in table if row[0] <= n][-1]


def lit(n):
    """A non-final stored block header announcing n literal bytes (5 bytes)."""
    return bytes([0]) + struct.pack("<HH", n, n ^ 0xFFFF)


def rep(n, final=False):
    """A fixed-Huffman block copying the last n bytes, padded to 5 bytes (the zero padding is the end-of-block
    code; the spare zero bits start the next stored block's header)."""
    bits = []

    def put(value, count):  # data fields: least significant bit first
        bits.extend((value >> i) & 1 for i in range(count))

    def code(value, count):  # Huffman codes: most significant bit first
        bits.extend((value >> i) & 1 for i in reversed(range(count)))

    put(1 if final else 0, 1)
    put(1, 2)
    for length in (n // 2, n - n // 2):
        base, symbol, extra = floor(LENGTHS, length)
        code(symbol - 256, 7)
        put(length - base, extra)
        base, dcode, dextra = floor(DISTANCES, n)
        code(dcode, 5)
        put(n - base, dextra)
    assert 30 < len(bits) <= 40, (n, len(bits))
    bits.extend([0] * (40 - len(bits)))
    return bytes(sum(bit << i for i, bit in enumerate(bits[k:k + 8])) for k in range(0, 40, 8))


def build(header, trailer):
    h, t = len(header) + 5, len(trailer) + 5
    ops = [lit(h), header, lit(h), rep(h), lit(5), rep(h), lit(5), lit(5),
           lit(20), rep(h), lit(5), lit(5), lit(20), rep(20),
           lit(20), rep(20), lit(20), rep(20), lit(20), rep(20),
           lit(20), rep(20), lit(0), lit(0), lit(t), rep(20), lit(0), lit(0),
           lit(t), rep(t, final=True), trailer, rep(t, final=True)]
    return header + b"".join(ops) + trailer


def quine():
    for mtime in range(1000):
        header = b"\x1f\x8b\x08\x00" + struct.pack("<I", mtime) + b"\x00\xff"
        size = len(build(header, bytes(8)))

        def crc(value):
            return zlib.crc32(build(header, struct.pack("<II", value, size)))

        # crc(x) = c0 ^ M·x; solve (M + I)·x = c0 by Gaussian elimination, row r = bit r of each column.
        c0 = crc(0)
        columns = [crc(1 << i) ^ c0 ^ (1 << i) for i in range(32)]
        rows = [sum(((columns[i] >> r) & 1) << i for i in range(32)) | (((c0 >> r) & 1) << 32) for r in range(32)]
        pivots, rank = [], 0
        for col in range(32):
            pivot = next((r for r in range(rank, 32) if (rows[r] >> col) & 1), None)
            if pivot is None:
                continue
            rows[rank], rows[pivot] = rows[pivot], rows[rank]
            for r in range(32):
                if r != rank and (rows[r] >> col) & 1:
                    rows[r] ^= rows[rank]
            pivots.append(col)
            rank += 1
        if any((rows[r] >> 32) & 1 for r in range(rank, 32)):
            continue  # no fixed point for this header; another mtime changes the system
        x = sum(((rows[r] >> 32) & 1) << pivots[r] for r in range(rank))
        data = build(header, struct.pack("<II", x, size))
        if gzip.decompress(data) == data:
            return data
    raise SystemExit("no gzip quine found")


if __name__ == "__main__":
    out = quine()
    with open(sys.argv[1], "wb") as f:
        f.write(out)
