#!/usr/bin/env python3
"""A FUSE file system with the Linux configfs-tsm report semantics, for driving the real
`leasehold-workload` against real evidence without a TEE.

It imitates /sys/kernel/config/tsm/report (kernel Documentation/ABI/testing/configfs-tsm-report,
drivers/virt/coco/guest/report.c, fs/configfs/file.c; ../shared/ATTESTERS.md section 1):

- the mount point is the report directory: `mkdir NAME` makes an entry, `rmdir NAME` removes
  it (a non-empty-looking directory, as on configfs: no unlink inside it);
- an entry holds, for every provider: `inblob` (0200, binary: writes are buffered and applied
  when the file is closed, at most 64 bytes, EFBIG above), `outblob` (0444, binary),
  `provider` (0444, "<name>\\n"), `generation` (0444, "%lu\\n", advanced by every applied
  write of inblob or privlevel); and for any provider but tdx_guest also `auxblob` (0444,
  binary), `privlevel` (0200, text: applied at write(), EINVAL unless floor <= N <= 3) and
  `privlevel_floor` (0444);
- reading outblob or auxblob when the read generation differs from the write generation
  "generates" a report: EINVAL if inblob was never written or is not 64 bytes, otherwise the
  --outblob and --auxblob bytes (real evidence, which of course cannot carry the caller's
  inblob); later reads of the same generation come from that cache. Each open file reads a
  snapshot taken at its first read, as configfs fills its buffer once per open.

The inblob write is applied at flush (close(2)), not at FUSE's RELEASE: the kernel sends
RELEASE asynchronously after close() has returned, whereas configfs applies the write in
the last fput, before close() returns to the writer; applying it at RELEASE would let a
reader see the old generation and would make the fake racy where configfs is not.

Fault injection: --provider NAME (any string), --bump-generation read|write (another writer
moves the generation after our outblob read / at our inblob close), --empty-outblob,
--deny (mkdir fails with EACCES), --no-provider (mkdir fails with ENXIO, as with no TSM
provider registered).

The SEV-SNP certificate table (auxblob) is built from certificates given on the command
line in the GHCB layout (spec 56421 section 4.1.8.1; ATTESTERS.md 2.2): 24-byte entries
{GUID[16] in RFC 4122 byte order, u32 LE offset, u32 LE length}, an all-zero terminator,
then the DER certificates, offsets counted from the start of the table.

Runs in the foreground until unmounted (`fusermount3 -u MOUNTPOINT`) or killed.
Needs python3-fusepy (Debian installs the module as `fusepy`; PyPI as `fuse`).
"""
import argparse
import base64
import errno
import os
import re
import stat
import struct
import sys
import threading
import time
import uuid

GUIDS = {
    "vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
    "vlek": "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
    "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
    "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae",
    "crl": "92f81bc3-5811-4d3d-97ff-d19f88dc67ea",
}
ENTRY_SIZE = 24
INBLOB_MAX = 64          # TSM_INBLOB_MAX
OUTBLOB_MAX = 32 * 1024  # TSM_OUTBLOB_MAX
PRIVLEVEL_MAX = 3        # TSM_PRIVLEVEL_MAX


def certificates(path):
    """The DER certificates in FILE: one DER file, or every PEM CERTIFICATE block in order."""
    data = open(path, "rb").read()
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
    if not blocks:
        return [data]
    return [base64.b64decode(b"".join(b.split())) for b in blocks]


def certificate_table(certs):
    """certs: [(kind, der)] -> the table bytes, certificates packed right after the header."""
    offset = (len(certs) + 1) * ENTRY_SIZE
    header, body = b"", b""
    for kind, der in certs:
        header += uuid.UUID(GUIDS[kind]).bytes + struct.pack("<II", offset, len(der))
        body += der
        offset += len(der)
    return header + bytes(ENTRY_SIZE) + body


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mountpoint", nargs="?", help="directory to mount the report tree on")
    p.add_argument("--provider", default="sev_guest", help="provider name (sev_guest, tdx_guest, or anything else)")
    p.add_argument("--outblob", help="file whose bytes every generated report has")
    p.add_argument("--auxblob", help="raw auxblob file (instead of building a certificate table)")
    p.add_argument("--vcek", help="VCEK certificate (DER or PEM) for the certificate table")
    p.add_argument("--vlek", help="VLEK certificate (DER or PEM) for the certificate table")
    p.add_argument("--ask", help="ASK (or ASVK) certificate (DER or PEM)")
    p.add_argument("--ark", help="ARK certificate (DER or PEM)")
    p.add_argument("--ask-ark", help="AMD KDS cert_chain PEM: the ASK, then the ARK")
    p.add_argument("--privlevel-floor", type=int, default=0)
    p.add_argument("--bump-generation", choices=["read", "write"],
                   help="another writer advances generation: right after the first outblob read (read), or when our inblob is applied (write)")
    p.add_argument("--empty-outblob", action="store_true", help="reports are empty")
    p.add_argument("--deny", action="store_true", help="mkdir fails with EACCES")
    p.add_argument("--no-provider", action="store_true", help="mkdir fails with ENXIO")
    p.add_argument("--dump-auxblob", metavar="FILE", help="write the auxblob to FILE and exit (no mount)")
    p.add_argument("--trace", metavar="FILE", help="append one line per mkdir/rmdir/applied write/generated report")
    a = p.parse_args(argv)
    if a.dump_auxblob is None and a.mountpoint is None:
        p.error("a mount point is needed")
    return a


def build_auxblob(a):
    if a.auxblob:
        return open(a.auxblob, "rb").read()
    certs = []
    for kind in ("vcek", "vlek"):
        path = getattr(a, kind)
        if path:
            certs.append((kind, certificates(path)[0]))
    if a.ask_ark:
        chain = certificates(a.ask_ark)
        if len(chain) != 2:
            sys.exit(f"--ask-ark {a.ask_ark}: want 2 certificates (ASK, ARK), found {len(chain)}")
        certs += [("ask", chain[0]), ("ark", chain[1])]
    for kind in ("ask", "ark"):
        path = getattr(a, kind)
        if path:
            certs.append((kind, certificates(path)[0]))
    return certificate_table(certs) if certs else b""


class Entry:
    def __init__(self):
        self.inblob = None
        self.write_generation = 0
        self.read_generation = 0
        self.outblob = b""
        self.auxblob = b""
        self.privlevel = None
        self.generated = False
        self.bumped = False
        self.created = time.time()


class Handle:
    def __init__(self, entry, attr, flags):
        self.entry, self.attr, self.flags = entry, attr, flags
        self.buffer = bytearray()
        self.dirty = False
        self.snapshot = None


def make_operations(base, FuseOSError):
    class ConfigfsTSM(base):
        """The report tree. One mutex around everything: the kernel serialises a report's
        generation under its rwsem too."""

        def __init__(self, a, outblob, auxblob):
            self.a = a
            self.outblob_bytes = outblob
            self.auxblob_bytes = auxblob
            self.entries = {}
            self.handles = {}
            self.next_fh = 1
            self.mutex = threading.Lock()
            self.uid, self.gid = os.getuid(), os.getgid()
            self.t = time.time()

        # -- layout -------------------------------------------------------------------
        def attributes(self):
            """name -> (mode, text?) for this provider (tdx_report_attr_visible & co)."""
            attrs = {"inblob": (0o200, False), "outblob": (0o444, False),
                     "provider": (0o444, True), "generation": (0o444, True)}
            if self.a.provider != "tdx_guest":
                attrs.update({"auxblob": (0o444, False), "privlevel": (0o200, True),
                              "privlevel_floor": (0o444, True)})
            return attrs

        def split(self, path):
            parts = [p for p in path.split("/") if p]
            if len(parts) > 2:
                raise FuseOSError(errno.ENOENT)
            return parts

        def lookup(self, path):
            """-> (entry or None, attr or None); ENOENT when absent."""
            parts = self.split(path)
            if not parts:
                return None, None
            entry = self.entries.get(parts[0])
            if entry is None:
                raise FuseOSError(errno.ENOENT)
            if len(parts) == 1:
                return entry, None
            if parts[1] not in self.attributes():
                raise FuseOSError(errno.ENOENT)
            return entry, parts[1]

        def trace(self, line):
            if self.a.trace:
                with open(self.a.trace, "a") as f:
                    f.write(line + "\n")

        # -- directories --------------------------------------------------------------
        def getattr(self, path, fh=None):
            with self.mutex:
                entry, attr = self.lookup(path)
                if entry is None:
                    mode, nlink = stat.S_IFDIR | 0o755, 2 + len(self.entries)
                elif attr is None:
                    mode, nlink = stat.S_IFDIR | 0o755, 2
                else:
                    perm, text = self.attributes()[attr]
                    mode, nlink = stat.S_IFREG | perm, 1
                # sysfs/configfs report 4096 for text attributes and 0 for binary ones; reads
                # go past the size because the tree is mounted with direct_io.
                size = 4096 if attr and self.attributes()[attr][1] else 0
                t = entry.created if entry else self.t
                return {"st_mode": mode, "st_nlink": nlink, "st_size": size, "st_uid": self.uid,
                        "st_gid": self.gid, "st_atime": t, "st_mtime": t, "st_ctime": t}

        def readdir(self, path, fh):
            with self.mutex:
                entry, attr = self.lookup(path)
                if attr is not None:
                    raise FuseOSError(errno.ENOTDIR)
                names = sorted(self.entries) if entry is None else sorted(self.attributes())
                return [".", ".."] + names

        def mkdir(self, path, mode):
            with self.mutex:
                parts = [p for p in path.split("/") if p]
                if len(parts) != 1:
                    raise FuseOSError(errno.EPERM)  # configfs: no directories inside an entry
                if self.a.deny:
                    raise FuseOSError(errno.EACCES)
                if self.a.no_provider:
                    raise FuseOSError(errno.ENXIO)
                if parts[0] in self.entries:
                    raise FuseOSError(errno.EEXIST)
                self.entries[parts[0]] = Entry()
                self.trace(f"mkdir {parts[0]}")

        def rmdir(self, path):
            with self.mutex:
                parts = [p for p in path.split("/") if p]
                if len(parts) != 1:
                    raise FuseOSError(errno.ENOTDIR if len(parts) > 1 else errno.EBUSY)
                if parts[0] not in self.entries:
                    raise FuseOSError(errno.ENOENT)
                del self.entries[parts[0]]
                self.trace(f"rmdir {parts[0]}")

        def unlink(self, path):
            raise FuseOSError(errno.EPERM)

        def create(self, path, mode, fi=None):
            raise FuseOSError(errno.EPERM)

        def rename(self, old, new):
            raise FuseOSError(errno.EPERM)

        def chmod(self, path, mode):
            raise FuseOSError(errno.EPERM)

        def chown(self, path, uid, gid):
            raise FuseOSError(errno.EPERM)

        def utimens(self, path, times=None):
            return 0

        # -- attributes ---------------------------------------------------------------
        def open(self, path, flags):
            with self.mutex:
                entry, attr = self.lookup(path)
                if attr is None:
                    raise FuseOSError(errno.EISDIR)
                perm, _ = self.attributes()[attr]
                access = flags & os.O_ACCMODE
                if access in (os.O_RDONLY, os.O_RDWR) and not perm & 0o444:
                    raise FuseOSError(errno.EACCES)
                if access in (os.O_WRONLY, os.O_RDWR) and not perm & 0o222:
                    raise FuseOSError(errno.EACCES)
                fh = self.next_fh
                self.next_fh += 1
                self.handles[fh] = Handle(entry, attr, flags)
                return fh

        def truncate(self, path, length, fh=None):
            with self.mutex:
                entry, attr = self.lookup(path)
                if attr is None or not self.attributes()[attr][0] & 0o222:
                    raise FuseOSError(errno.EACCES)
                return 0  # O_TRUNC on a writable attribute (a shell's `>`) is harmless

        def generate(self, entry):
            """The provider's report_new(), when the write generation moved since the last."""
            if entry.inblob is None:
                raise FuseOSError(errno.EINVAL)
            if len(entry.inblob) != INBLOB_MAX:
                raise FuseOSError(errno.EINVAL)  # sev_report_new / tdx_report_new want 64 bytes
            entry.outblob = b"" if self.a.empty_outblob else self.outblob_bytes
            entry.auxblob = self.auxblob_bytes
            if len(entry.outblob) > OUTBLOB_MAX or len(entry.auxblob) > OUTBLOB_MAX:
                raise FuseOSError(errno.EFBIG)
            entry.read_generation = entry.write_generation
            entry.generated = True
            self.trace(f"generate generation={entry.write_generation} outblob={len(entry.outblob)} auxblob={len(entry.auxblob)}")

        def content(self, h):
            e = h.entry
            if h.attr == "provider":
                return (self.a.provider + "\n").encode()
            if h.attr == "generation":
                return f"{e.write_generation}\n".encode()
            if h.attr == "privlevel_floor":
                return f"{self.a.privlevel_floor}\n".encode()
            if h.attr in ("outblob", "auxblob"):
                if not e.generated or e.read_generation != e.write_generation:
                    self.generate(e)
                data = e.outblob if h.attr == "outblob" else e.auxblob
                if h.attr == "outblob" and self.a.bump_generation == "read" and not e.bumped:
                    e.bumped = True
                    e.write_generation += 1  # someone else's inblob write lands now
                    self.trace(f"bump generation={e.write_generation} (after read)")
                return data
            raise FuseOSError(errno.EACCES)

        def read(self, path, size, offset, fh):
            with self.mutex:
                h = self.handles.get(fh)
                if h is None:
                    raise FuseOSError(errno.EBADF)
                if h.snapshot is None:
                    h.snapshot = self.content(h)
                return h.snapshot[offset:offset + size]

        def write(self, path, data, offset, fh):
            with self.mutex:
                h = self.handles.get(fh)
                if h is None:
                    raise FuseOSError(errno.EBADF)
                if h.attr == "inblob":
                    if offset + len(data) > INBLOB_MAX:
                        raise FuseOSError(errno.EFBIG)
                    if len(h.buffer) < offset:
                        h.buffer.extend(bytes(offset - len(h.buffer)))
                    h.buffer[offset:offset + len(data)] = data
                    h.dirty = True
                    return len(data)
                if h.attr == "privlevel":
                    # A text attribute: applied now, errors returned to write().
                    try:
                        value = int(bytes(data).decode("ascii").strip(), 0)
                    except ValueError:
                        raise FuseOSError(errno.EINVAL)
                    if value < self.a.privlevel_floor or value > PRIVLEVEL_MAX:
                        raise FuseOSError(errno.EINVAL)
                    h.entry.privlevel = value
                    h.entry.write_generation += 1
                    self.trace(f"privlevel {value} generation={h.entry.write_generation}")
                    return len(data)
                raise FuseOSError(errno.EACCES)

        def apply(self, h):
            """configfs_release_bin_file: the buffered inblob becomes the request."""
            if h.attr != "inblob" or not h.dirty:
                return
            h.dirty = False
            h.entry.inblob = bytes(h.buffer)
            h.entry.write_generation += 1
            self.trace(f"inblob {len(h.entry.inblob)} bytes generation={h.entry.write_generation}")
            if self.a.bump_generation == "write" and not h.entry.bumped:
                h.entry.bumped = True
                h.entry.write_generation += 1
                self.trace(f"bump generation={h.entry.write_generation} (at close)")

        def flush(self, path, fh):
            with self.mutex:
                h = self.handles.get(fh)
                if h is not None:
                    self.apply(h)
                return 0

        def release(self, path, fh):
            with self.mutex:
                h = self.handles.pop(fh, None)
                if h is not None:
                    self.apply(h)
                return 0

        def fsync(self, path, datasync, fh):
            return 0

    return ConfigfsTSM


def main(argv):
    a = parse_args(argv)
    auxblob = build_auxblob(a)
    if a.dump_auxblob:
        with open(a.dump_auxblob, "wb") as f:
            f.write(auxblob)
        return 0
    outblob = open(a.outblob, "rb").read() if a.outblob else b""
    try:
        from fuse import FUSE, Operations, FuseOSError
    except ImportError:
        from fusepy import FUSE, Operations, FuseOSError  # Debian's python3-fusepy
    ops = make_operations(Operations, FuseOSError)(a, outblob, auxblob)
    FUSE(ops, a.mountpoint, foreground=True, nothreads=True, direct_io=True, fsname="fake-configfs-tsm")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
