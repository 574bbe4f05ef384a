# A VHDX as vhdx_fuzz's input: u64 size, then (u32 page, u16 n, bytes) per non-zero 4 KiB page.
import struct, sys
d = open(sys.argv[1], 'rb').read()
out = [struct.pack('<Q', len(d))]
for p in range(0, len(d), 4096):
    pg = d[p:p + 4096].rstrip(b'\0')
    if pg:
        out.append(struct.pack('<IH', p // 4096, len(pg)) + pg)
open(sys.argv[2], 'wb').write(b''.join(out))
