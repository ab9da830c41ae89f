"""Exit quietly if this Python is new enough for the book, else print one line on stderr.

Usage: python tools/checkpython.py 3.11.5   (run by the Makefile before anything is installed).
Written to run under any Python, old ones included, so that it can say what is wrong.
"""
import sys

want = tuple(int(p) for p in sys.argv[1].split("."))
have = tuple(sys.version_info[:3])
if have < want:
    sys.stderr.write("Python %s or newer is needed, but %s is Python %s. Install a newer Python and run, "
                     "for example: make PYTHON=python3.11 book\n"
                     % (sys.argv[1], sys.executable, ".".join(str(p) for p in have)))
    sys.exit(1)
