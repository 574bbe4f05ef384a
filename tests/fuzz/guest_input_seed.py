# Seeds for guest_input_fuzz: scripts of tests/fuzz/guestshim/stub_input_host.h
# (a usable host for the mouse and for the keyboard), written to DIR:
#   python3 tests/fuzz/guest_input_seed.py tests/fuzz/seeds/guest_input_fuzz
import hashlib, os, struct, sys

# hostside/inputvsp's report descriptor (input_proto.c), 5 buttons, X, Y, wheel
RDESC = bytes.fromhex('05010902a1010901a1000509190129051500250195057501810295017503810105'
                      '010930093116000026ff7f75109502810209381581257f750895018106c0c0')

def pkt(payload, kind=0):
    return bytes([kind]) + struct.pack('<H', len(payload)) + payload

def hid(mtype, body):
    msg = struct.pack('<II', mtype, len(body)) + body
    return struct.pack('<II', 1, len(msg)) + msg

END = b'\xff'
info = hid(2, struct.pack('<IHHH22x', 32, 0x045e, 0x0621, 1) +
           struct.pack('<BBHBBBH', 9, 0x21, 0x0101, 0, 1, 0x22, len(RDESC)) + RDESC)
report = hid(4, bytes([1, 0, 0x40, 0, 0x40, 0]))
mouse = (b'\x00' + pkt(hid(1, struct.pack('<IB', 0x20000, 1))) + pkt(info) + END +
         b'\x00' + pkt(report) + pkt(report, 0x80) + b'\xfe' + END)
key = lambda code, info: pkt(struct.pack('<IHHI', 3, code, 0, info))
kbd = (b'\x01' + pkt(struct.pack('<II', 2, 1)) + END +
       b'\x00' + key(0x1e, 0) + key(0x1e, 2) + key(0x48, 4) + key(0x1d, 8) + END +
       b'\x80\xf2\xc0\x80\xed\x80\x04\xc0\x80\xff\xc0')
os.makedirs(sys.argv[1], exist_ok=True)
for s in (mouse, kbd):
    open(os.path.join(sys.argv[1], hashlib.sha1(s).hexdigest()), 'wb').write(s)
