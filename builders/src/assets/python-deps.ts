/**
 * The resolver of a Python service's requirements, run in the build (see
 * docs/builders.md): pip when a package index answers, Debian packages
 * through dh-python's PyPI map when none does. Python source, stdlib only.
 */
export const PYTHON_DEPS_PY = String.raw`"""paas: install a Python service's requirements.

With a package index that answers (PIP_INDEX_URL, an --index-url line, or
PyPI), pip installs them as usual. Without one, each name is looked up in
dh-python's PyPI-to-Debian map and the Debian packages are installed: the
mirror is the one source a closed network still has.

  resolve [--strict] [-r FILE] [-- REQ...]   as root: probe, and on the Debian route install
  pip [-r FILE] [-- REQ...]                  as the app: pip install, when resolve chose pip
  plan --map F --versions F [-r FILE] [-- REQ...]   print the Debian plan as JSON (tests)
"""
import base64
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

FALLBACK = "/usr/share/dh-python/dist/cpython3_fallback"
# Where resolve tells the pip step which route it took (movable for tests).
ROUTE_FILE = os.environ.get("PAAS_PYTHON_DEPS_ROUTE", "/var/lib/paas/python-deps-route")
DEFAULT_INDEX = "https://pypi.org/simple/"
PROBE_SECONDS = 5
PIP = ["pip3", "install", "--user", "--break-system-packages", "--no-cache-dir", "--no-warn-script-location"]
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def say(message):
    print("-----> Python dependencies: " + message, flush=True)


def detail(message):
    print("       " + message, flush=True)


def normalise(name):
    """PEP 503: Flask, flask and FLASK are one project, as are a_b, a-b and a.b."""
    return re.sub(r"[-_.]+", "-", name).lower()


NAME_RE = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$")
SPEC_RE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9.*+!_-]+)$")


def logical_lines(text):
    """requirements.txt lines, joined on a trailing backslash, comments dropped, with their numbers."""
    number, pending, start = 0, "", 0
    for raw in text.splitlines():
        number += 1
        if not pending:
            start = number
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield start, line


def read_requirements(path, extra):
    """Requirements, the options that cannot be honoured without pip, and an --index-url if given."""
    reqs, unsupported, index = [], [], None
    sources = []
    if path is not None:
        with open(path, encoding="utf-8") as f:
            sources = [("%s:%d" % (path, n), line) for n, line in logical_lines(f.read())]
    sources += [("requirements", r) for r in extra]
    for where, line in sources:
        option = re.match(r"^(-i|--index-url)(?:\s+|=)(\S+)$", line)
        if option:
            index = option.group(2)
            continue
        if line.startswith("-"):
            unsupported.append((where, line.split()[0]))
            continue
        # pip's per-requirement options (--hash=...) say nothing about the name.
        line = re.sub(r"\s--\S+.*$", "", line)
        marker = None
        if ";" in line:
            line, marker = [part.strip() for part in line.split(";", 1)]
        match = NAME_RE.match(line)
        if match is None or "/" in line or "@" in line:
            unsupported.append((where, line))
            continue
        specs = parse_specifiers(match.group(2))
        if specs is None:
            unsupported.append((where, line))
            continue
        reqs.append({"name": match.group(1), "specs": specs, "text": line, "marker": marker, "where": where})
    return reqs, unsupported, index


def parse_specifiers(text):
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    if text == "":
        return []
    specs = []
    for part in text.split(","):
        match = SPEC_RE.match(part.strip())
        if match is None:
            return None
        specs.append((match.group(1), match.group(2)))
    return specs


def release(version):
    """The numeric release part: 2.2.2rc1 -> (2, 2, 2)."""
    match = re.match(r"^v?(\d+(?:\.\d+)*)", version)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def compare(a, b):
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def satisfies(version, specs):
    have = release(version)
    for op, wanted in specs:
        if op == "===":
            ok = version == wanted
        elif wanted.endswith(".*") and op in ("==", "!="):
            prefix = release(wanted[:-2])
            ok = (have[:len(prefix)] + (0,) * (len(prefix) - len(have[:len(prefix)]))) == prefix
            ok = ok if op == "==" else not ok
        else:
            c = compare(have, release(wanted))
            if op == "~=":
                prefix = release(wanted)[:-1]
                ok = c >= 0 and have[:len(prefix)] == prefix
            else:
                ok = {"==": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        if not ok:
            return False
    return True


def upstream(debian_version):
    """1:2.2.2-3+deb12u1 -> 2.2.2; 1.0+dfsg-2 -> 1.0."""
    version = re.sub(r"^\d+:", "", debian_version)
    if "-" in version:
        version = version[:version.rindex("-")]
    return re.split(r"[+~]", version)[0]


def load_map(path):
    mapping = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                mapping.setdefault(normalise(parts[0]), parts[1])
    return mapping


# Projects published under a second name for wheels, whose Debian package is the first's.
ALIASES = {"psycopg2-binary": "psycopg2", "psycopg-binary": "psycopg"}


def plan(reqs, mapping, candidate, command_package):
    """Pure: which Debian packages, which names have none, which pins differ."""
    packages, missing, warnings = [], [], []
    for req in reqs:
        name = normalise(req["name"])
        name = ALIASES.get(name, name)
        package = mapping.get(name)
        version = candidate(package) if package else None
        if version is None:
            missing.append(req["name"])
            continue
        if req["specs"] and not satisfies(upstream(version), req["specs"]):
            warnings.append("%s: %s asked; Debian ships %s %s" % (req["where"], req["text"], package, upstream(version)))
        if req["marker"]:
            warnings.append("%s: the marker \"%s\" is not evaluated; %s is installed" % (req["where"], req["marker"], package))
        for pkg in [package, command_package(name, package)]:
            if pkg and pkg not in packages:
                packages.append(pkg)
    return {"packages": packages, "missing": missing, "warnings": warnings}


def index_host(url):
    # Only the host: an index URL may carry a user and a token.
    return urllib.parse.urlsplit(url).hostname or "the configured index"


def index_answers(url):
    """True when the index answers at all, even with an error status; no answer in time is no index."""
    # urllib takes no user:password@ in a URL the way pip does: it goes in a header.
    parts = urllib.parse.urlsplit(url)
    headers = {}
    if parts.username is not None:
        token = "%s:%s" % (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
        url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD", headers=headers), timeout=PROBE_SECONDS).close()
        return True, None
    except urllib.error.HTTPError:
        return True, None
    except urllib.error.URLError as err:
        if isinstance(err.reason, ssl.SSLError):
            return True, None
        return False, str(err.reason)
    except (socket.timeout, OSError, ValueError) as err:
        return False, str(err) or type(err).__name__


def apt(*args):
    subprocess.run(["apt-get", "-q", "-y", *args], check=True, env=APT_ENV, stdout=sys.stdout, stderr=sys.stderr)


def apt_candidate(package):
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
    match = re.search(r"Candidate:\s*(\S+)", out)
    return None if match is None or match.group(1) == "(none)" else match.group(1)


def apt_command_package(name, package):
    """gunicorn and celery put their command in a package of the project's name that depends on python3-X."""
    if name == package:
        return None
    out = subprocess.run(["apt-cache", "show", "--no-all-versions", name], capture_output=True, text=True).stdout
    depends = re.search(r"^Depends:(.*)$", out, re.M)
    return name if depends and re.search(r"(^|[\s,])%s(\s|,|$)" % re.escape(package), depends.group(1)) else None


def fail(lines):
    for line in lines:
        print(line, flush=True)
    sys.exit(1)


def write_route(route):
    os.makedirs(os.path.dirname(ROUTE_FILE), exist_ok=True)
    with open(ROUTE_FILE, "w", encoding="utf-8") as f:
        f.write(route + "\n")


def resolve(args):
    reqs, unsupported, file_index = read_requirements(args["file"], args["extra"])
    if not reqs and not unsupported:
        write_route("none")
        return
    url = os.environ.get("PIP_INDEX_URL") or file_index or DEFAULT_INDEX
    answers, reason = index_answers(url)
    if answers:
        say("the package index at %s answers; installing with pip" % index_host(url))
        write_route("pip")
        return
    say("no package index answers (%s: %s); installing from Debian" % (index_host(url), reason))
    if unsupported:
        fail(["-----> Python dependencies: these lines need a package index, and none answers:"]
             + ["       %s: %s" % item for item in unsupported]
             + ["       (list plain project names, or make a package index reachable)"])
    apt("update", "-qq")
    apt("install", "--no-install-recommends", "dh-python")
    result = plan(reqs, load_map(FALLBACK), apt_candidate, apt_command_package)
    if result["missing"]:
        fail(["-----> Python dependencies: no package index answers, and no Debian package provides: %s"
              % ", ".join(result["missing"]),
              "       (Debian packages are found through dh-python's PyPI map; remove these requirements, "
              "vendor them into the tree, or make a package index reachable)"])
    for warning in result["warnings"]:
        detail("warning: " + warning)
    if args["strict"] and result["warnings"]:
        fail(["-----> Python dependencies: --strict: Debian's versions differ from the pins above"])
    say("installing from Debian: %s" % ", ".join(result["packages"]))
    apt("install", "--no-install-recommends", *result["packages"])
    subprocess.run(["sh", "-c", "rm -rf /var/lib/apt/lists/*"], check=True)
    write_route("debian")


def pip(args):
    try:
        with open(ROUTE_FILE, encoding="utf-8") as f:
            route = f.read().strip()
    except FileNotFoundError:
        route = "pip"
    if route != "pip":
        return
    command = list(PIP)
    if args["file"] is not None:
        command += ["-r", args["file"]]
    if args["extra"]:
        command += ["--", *args["extra"]]
    os.execvp(command[0], command)


def print_plan(args):
    with open(args["versions"], encoding="utf-8") as f:
        versions = json.load(f)
    reqs, unsupported, index = read_requirements(args["file"], args["extra"])
    commands = versions.get("__commands__", {})
    result = plan(reqs, load_map(args["map"]), versions.get, lambda name, package: commands.get(name))
    result["unsupported"] = [list(item) for item in unsupported]
    result["index"] = index
    print(json.dumps(result))


def parse_args(argv):
    args = {"mode": argv[0] if argv else "", "file": None, "extra": [], "strict": False, "map": None, "versions": None}
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            args["extra"] = rest
            break
        if arg == "--strict":
            args["strict"] = True
        elif arg in ("-r", "--map", "--versions") and rest:
            args[{"-r": "file", "--map": "map", "--versions": "versions"}[arg]] = rest.pop(0)
        else:
            sys.exit("python-deps: unknown argument %s" % arg)
    return args


def main():
    args = parse_args(sys.argv[1:])
    modes = {"resolve": resolve, "pip": pip, "plan": print_plan}
    if args["mode"] not in modes:
        sys.exit(__doc__)
    modes[args["mode"]](args)


if __name__ == "__main__":
    main()
`;
