# Seeds for guest_video_fuzz: scripts of tests/fuzz/guestshim/stub_video_host.h
# (a usable host at 3.5 with a resolution list, and one that refuses 3.5 and
# 3.2 and takes 3.0), written to DIR:
#   python3 tests/fuzz/guest_video_seed.py tests/fuzz/seeds/guest_video_fuzz
import hashlib, os, struct, sys

def pkt(payload, kind=0):
    return bytes([kind]) + struct.pack('<H', len(payload)) + payload

def vid(mtype, body):
    msg = struct.pack('<II', mtype, 8 + len(body)) + body
    return struct.pack('<II', 1, len(msg)) + msg

END = b'\xff'
V35, V32, V30 = 0x50003, 0x20003, 0x3
ver = lambda v, ok: pkt(vid(2, struct.pack('<IBB', v, ok, 1)))
modes = [(640, 480), (800, 600), (1024, 768), (1280, 1024), (1920, 1080), (2560, 1600)]
res = pkt(vid(14, bytes(128) + bytes([len(modes), 2, 0]) +
              b''.join(struct.pack('<HH', w, h) for w, h in modes)))
ack = pkt(vid(4, struct.pack('<Q', 0xf0000000)))
feat = pkt(vid(9, bytes([1, 1, 1, 1])))
ops = (b'\xc0' + b'\x80' + struct.pack('<4H', 10, 20, 300, 400) + b'\xc0' +
       b'\xa0' + struct.pack('<2H', 1280, 1024) + b'\xc0' +
       b'\x00' + feat + pkt(vid(6, bytes(8))) + END + b'\xc0' +
       b'\xa0' + struct.pack('<2H', 640, 480) + b'\x80' + struct.pack('<4H', 0, 0, 9999, 9999) +
       b'\xc0')
win10 = b'\x00' + ver(V35, 1) + END + ack + feat + END + res + END + ops
win7 = (b'\x00' + ver(V35, 0) + END + ver(V32, 0) + END + ver(V30, 1) + END +
        ack + END + b'\x00' + feat + END + ops)
os.makedirs(sys.argv[1], exist_ok=True)
for s in (win10, win7):
    open(os.path.join(sys.argv[1], hashlib.sha1(s).hexdigest()), 'wb').write(s)
