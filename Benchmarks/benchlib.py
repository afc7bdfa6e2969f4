"""Helpers shared by the benchmark scripts (run them from the repository root)."""


def luhn_complete(body: str) -> str:
    """`body` plus its Luhn check digit: modemsim refuses IMEIs and ICCIDs without one."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1
