#!/usr/bin/env python3
"""Memory of an nginx worker holding idle keep-alive connections: opens N
connections to URL, makes one GET on each (so each is an idle keep-alive
connection after a request), then reads the VmRSS of process PID; prints
its VmRSS before the connections and with them, in KiB.

    idle_conns.py URL N PID
"""

import socket
import sys
import time
import urllib.parse


def rss(pid):
    with open('/proc/%s/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    sys.exit('idle_conns.py: no VmRSS for %s' % pid)


def main():
    url, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    u = urllib.parse.urlsplit(url)
    path = u.path + ('?' + u.query if u.query else '')
    req = ('GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' % (path, u.netloc)).encode()
    before = rss(pid)
    socks = []
    for i in range(n):
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        s.sendall(req)
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit('idle_conns.py: connection %d closed' % i)
            head += chunk
        if not head.startswith(b'HTTP/1.1 200'):
            sys.exit('idle_conns.py: %r' % head[:200])
        length = 0
        for line in head.split(b'\r\n'):
            if line.lower().startswith(b'content-length:'):
                length = int(line.split(b':')[1])
        body = head.split(b'\r\n\r\n', 1)[1]
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit('idle_conns.py: connection %d closed' % i)
            body += chunk
        socks.append(s)
    time.sleep(0.5)
    print(before, rss(pid))
    for s in socks:
        s.close()


main()
