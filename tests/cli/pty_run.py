"""Runs a command in a pseudo-terminal (as if typed in a 120x40 terminal) and passes its
output through as raw bytes; exits with the command's exit code. Used by status-watch.test.ts.
Usage: python3 pty_run.py <command> [args...]
"""
import fcntl
import os
import pty
import struct
import sys
import termios


def main(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main(sys.argv[1:])
