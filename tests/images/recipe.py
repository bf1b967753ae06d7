"""Read a Dockerfile and its build context without a container engine, and list what is wrong.

Each `*_problems` function returns human-readable findings (empty when the recipe is sound).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SERVICES = ("backend", "webui", "loadgen")
DJANGO_SERVICES = ("backend", "webui")
PYTHON_MINOR = "3.11"
RUNTIME_UID = 10001
# Packages that live in this repository; everything else comes from the lock.
FIRST_PARTY = ("servicekit", "backend_site", "quotes", "webui_site", "dashboard", "loadgen")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int

    def flags_and_words(self) -> tuple[dict[str, str], list[str]]:
        """`--flag=value` options and the remaining shell words (shell form only)."""
        words = shlex.split(self.args)
        flags = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK, or None for shell form."""
        start = self.args.find("[")  # HEALTHCHECK: after its options and "CMD"
        if start < 0:
            return None
        try:
            value = json.loads(self.args[start:])
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) else None


@dataclass
class Stage:
    base: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        """ENV of this stage (`KEY=value ...` form), later values winning."""
        env: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.args):
                key, _, value = word.partition("=")
                env[key] = value
        return env

    def workdir(self) -> PurePosixPath:
        last = self.last("WORKDIR")
        return PurePosixPath(last.args) if last else PurePosixPath("/")


@dataclass
class Dockerfile:
    path: Path
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def where(self, instruction: Instruction | Stage) -> str:
        return f"{self.path.name}:{instruction.line}"


def parse(path: Path) -> Dockerfile:
    """Instructions by stage; continuation lines joined, comments dropped."""
    stages: list[Stage] = []
    pending, start = "", 0
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#") or not (line or pending):
            continue
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text, pending = pending + line, ""
        keyword, _, args = text.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name, start))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, args, start))
        start = 0
    return Dockerfile(path, stages)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):  # zero or more folders
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


@dataclass
class BuildContext:
    """The repository as a builder sees it through .dockerignore (last matching rule wins)."""

    root: Path
    rules: list[tuple[bool, re.Pattern[str]]] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> BuildContext:
        context = cls(root)
        ignore = root / ".dockerignore"
        for line in ignore.read_text().splitlines() if ignore.is_file() else []:
            line = line.strip()
            if line and not line.startswith("#"):
                negated = line.startswith("!")
                pattern = line.lstrip("!").strip().strip("/")
                context.rules.append((negated, _pattern_regex(pattern)))
        return context

    def excluded(self, relative: str) -> bool:
        parts = PurePosixPath(relative).parts
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                excluded = not negated
        return excluded

    def files(self, relative: str) -> list[Path]:
        """Files under `relative` (a file or a folder) that are sent to the builder."""
        path = self.root / relative
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        return [p for p in found if not self.excluded(p.relative_to(self.root).as_posix())]


def copies(stage: Stage) -> list[tuple[Instruction, list[str], PurePosixPath]]:
    """COPY/ADD instructions from the build context: (instruction, sources, absolute dest)."""
    result = []
    for instruction in stage.instructions:
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        flags, words = instruction.flags_and_words()
        if "from" in flags:
            continue
        dest = PurePosixPath(words[-1])
        result.append((instruction, words[:-1], stage.workdir() / dest))
    return result


def image_files(dockerfile: Dockerfile, context: BuildContext) -> dict[PurePosixPath, Path]:
    """Where each context file lands in the final image."""
    layout: dict[PurePosixPath, Path] = {}
    for _, sources, dest in copies(dockerfile.final):
        for source in sources:
            base = context.root / source
            for file in context.files(source):
                target = dest / file.relative_to(base) if base.is_dir() else dest / file.name
                layout[target] = file
    return layout


def base_problems(dockerfile: Dockerfile) -> list[str]:
    names = {stage.name for stage in dockerfile.stages if stage.name}
    problems = []
    for stage in dockerfile.stages:
        if stage.base in names:
            continue
        image, _, tag = stage.base.rpartition(":") if ":" in stage.base else (stage.base, "", "")
        where = dockerfile.where(stage)
        if not tag or tag == "latest" or "/" in tag:
            problems.append(f"{where}: base image {stage.base} is not pinned to a tag")
        elif not tag.startswith(f"{PYTHON_MINOR}-") or "slim" not in tag:
            problems.append(f"{where}: base {stage.base} is not a slim Python {PYTHON_MINOR}")
        elif not image.endswith("python"):
            problems.append(f"{where}: base {stage.base} is not the official python image")
    return problems


def user_problems(dockerfile: Dockerfile) -> list[str]:
    user = dockerfile.final.last("USER")
    if user is None:
        return [f"{dockerfile.path.name}: the final stage has no USER, so it runs as root"]
    uid, _, gid = user.args.partition(":")
    if not (uid.isdigit() and gid.isdigit()):
        return [f"{dockerfile.where(user)}: USER {user.args} is not numeric UID:GID"]
    if int(uid) == 0 or int(uid) != RUNTIME_UID:
        return [f"{dockerfile.where(user)}: USER {user.args} is not {RUNTIME_UID}:{RUNTIME_UID}"]
    after = [i for i in dockerfile.final.instructions if i.line > user.line and i.keyword == "RUN"]
    return [f"{dockerfile.where(i)}: RUN after USER runs as the runtime user" for i in after]


def copy_problems(dockerfile: Dockerfile, context: BuildContext) -> list[str]:
    problems = []
    for stage in dockerfile.stages:
        for instruction, sources, _ in copies(stage):
            for source in sources:
                if not (context.root / source).exists():
                    problems.append(
                        f"{dockerfile.where(instruction)}: COPY source {source} does not exist"
                    )
                elif not context.files(source):
                    problems.append(
                        f"{dockerfile.where(instruction)}: COPY source {source} is excluded "
                        "by .dockerignore"
                    )
    return problems


def _resolves(module: str, files: dict[PurePosixPath, Path], roots: list[PurePosixPath]) -> bool:
    relative = PurePosixPath(*module.split("."))
    return any(
        root / relative.with_suffix(".py") in files or root / relative / "__init__.py" in files
        for root in roots
    )


def _import_roots(dockerfile: Dockerfile) -> list[PurePosixPath]:
    """sys.path entries of the running service: PYTHONPATH and the working directory."""
    pythonpath = dockerfile.final.env().get("PYTHONPATH", "")
    roots = [PurePosixPath(p) for p in pythonpath.split(":") if p]
    return [*roots, dockerfile.final.workdir()]


def cmd_problems(dockerfile: Dockerfile, context: BuildContext) -> list[str]:
    """The CMD names a config file and a module that the image contains."""
    cmd = dockerfile.final.last("CMD")
    if cmd is None or not (argv := cmd.exec_form()):
        return [f"{dockerfile.path.name}: the final stage needs an exec-form CMD"]
    files, roots = image_files(dockerfile, context), _import_roots(dockerfile)
    where = dockerfile.where(cmd)
    problems = []
    if argv[0] == "gunicorn":
        config = argv[argv.index("-c") + 1] if "-c" in argv else None
        if config and dockerfile.final.workdir() / config not in files:
            problems.append(f"{where}: gunicorn config {config} is not in the image")
        module = argv[-1].partition(":")[0]
    elif argv[:2] == ["python", "-m"]:
        module = argv[2]
        if not _resolves(f"{module}.__main__", files, roots):
            problems.append(f"{where}: module {module} has no __main__ in the image")
    else:
        return [f"{where}: unexpected CMD {argv}"]
    if not _resolves(module, files, roots):
        problems.append(f"{where}: CMD module {module} is not in the image")
    return problems


def import_problems(dockerfile: Dockerfile, context: BuildContext) -> list[str]:
    """Every first-party module the image's code imports is copied into the image too."""
    files, roots = image_files(dockerfile, context), _import_roots(dockerfile)
    problems = set()
    for target, source in files.items():
        if source.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in FIRST_PARTY and not _resolves(name, files, roots):
                    relative = source.relative_to(context.root)
                    problems.add(f"{relative} (at {target}) imports {name}, not in the image")
    return sorted(problems)
