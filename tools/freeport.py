"""Print a free TCP port on 127.0.0.1 for `make serve`, or one line on stderr saying why not.

Usage: python tools/freeport.py PORT [--exact]
Without --exact the first free port from PORT to PORT+99 is printed. With --exact (the Makefile
passes it when PORT= was given) only PORT itself is tried.
"""
from __future__ import annotations

import socket
import sys


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv: list[str]) -> int:
    try:
        start = int(argv[0])
    except (IndexError, ValueError):
        sys.stderr.write(f"make serve: PORT must be a number, got {argv[0] if argv else 'nothing'!r}\n")
        return 2
    exact = "--exact" in argv[1:]
    if not 1 <= start <= 65535:
        sys.stderr.write(f"make serve: PORT={start} is not a TCP port (1-65535)\n")
        return 2
    ports = [start] if exact else range(start, min(start + 100, 65536))
    for port in ports:
        if is_free(port):
            print(port)
            return 0
    if exact:
        sys.stderr.write(f"make serve: port {start} on 127.0.0.1 is busy; choose another, e.g. make serve PORT={start + 1}\n")
    else:
        sys.stderr.write(f"make serve: ports {start}-{ports[-1]} on 127.0.0.1 are all busy; choose one with make serve PORT=...\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
