#!/usr/bin/python3
"""Hand-made tars and an OCI layout for the image tests, made with python's tarfile.

BUSYBOX is a static busybox binary: the layouts' first layer holds it as /bin/sh and /bin/ls.

  fixtures.py hostile OUT OUTSIDE BUSYBOX
                                   one tar per attack in OUT: parent.tar (`../`), absolute.tar,
                                   symlink.tar (a symlink to OUTSIDE, then an entry written
                                   through it), hardlink.tar (a hardlink to /etc/shadow); and
                                   OUT/hostile-layout, an OCI layout whose second layer is
                                   symlink.tar
  fixtures.py opaque OUT BUSYBOX   OUT/opaque-layout: layer 1 has /d/old and /gone, layer 2
                                   makes /d opaque, adds /d/new and whites out /gone
"""

import hashlib
import io
import json
import os
import sys
import tarfile


def tar_bytes(entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def file_entry(name, data=b"x\n", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


def dir_entry(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info, None


def link_entry(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def write_layout(path, layers):
    """An OCI layout holding one image of uncompressed `layers` (tar bytes, bottom first)."""
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as file:
            file.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    layer_blobs = [dict(blob(layer), mediaType="application/vnd.oci.image.layer.v1.tar")
                   for layer in layers]
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Cmd": ["/bin/sh", "-c", "ls /d; ls /gone 2>&1"]},
              "rootfs": {"type": "layers",
                         "diff_ids": [layer["digest"] for layer in layer_blobs]}}
    config_blob = dict(blob(json.dumps(config).encode()),
                       mediaType="application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_blob, "layers": layer_blobs}
    manifest_blob = dict(blob(json.dumps(manifest).encode()),
                         mediaType="application/vnd.oci.image.manifest.v1+json")
    with open(os.path.join(path, "index.json"), "w") as file:
        json.dump({"schemaVersion": 2, "manifests": [manifest_blob]}, file)
    with open(os.path.join(path, "oci-layout"), "w") as file:
        json.dump({"imageLayoutVersion": "1.0.0"}, file)


def busybox_layer(path):
    """A layer with a shell: busybox, and `sh` and `ls` linking to it."""
    with open(path, "rb") as file:
        busybox = file.read()
    return tar_bytes([dir_entry("bin"), file_entry("bin/busybox", busybox, 0o755),
                      link_entry("bin/sh", "busybox", tarfile.SYMTYPE),
                      link_entry("bin/ls", "busybox", tarfile.SYMTYPE)])


def hostile(out, outside, busybox):
    os.makedirs(out)
    tars = {
        "parent": [dir_entry("etc"), file_entry("etc/../../escaped-parent")],
        "absolute": [file_entry(os.path.join(outside, "escaped-absolute"))],
        "symlink": [link_entry("escape", outside, tarfile.SYMTYPE),
                    file_entry("escape/escaped-through-symlink")],
        "hardlink": [dir_entry("etc"), link_entry("etc/shadow-copy", "/etc/shadow",
                                                  tarfile.LNKTYPE)],
    }
    for name, entries in tars.items():
        with open(os.path.join(out, name + ".tar"), "wb") as file:
            file.write(tar_bytes(entries))
    write_layout(os.path.join(out, "hostile-layout"),
                 [busybox_layer(busybox), tar_bytes(tars["symlink"])])


def opaque(out, busybox):
    lower = tar_bytes([dir_entry("d"), file_entry("d/old"), file_entry("gone")])
    upper = tar_bytes([dir_entry("d"), file_entry("d/.wh..wh..opq", b""), file_entry("d/new"),
                       file_entry(".wh.gone", b"")])
    write_layout(os.path.join(out, "opaque-layout"), [busybox_layer(busybox), lower, upper])


if __name__ == "__main__":
    if sys.argv[1] == "hostile":
        hostile(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        opaque(sys.argv[2], sys.argv[3])
