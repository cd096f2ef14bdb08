# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The timer's copy of the aggregator: which module_utils files ``python3 -m ...flow_paths.cli`` needs, and
writing them below a lib dir in one module run.

The sources are read with ``pkgutil.get_data`` from wherever the running interpreter loaded this collection:
the working tree in tests, the AnsiballZ zip on a managed host. The zip holds exactly the module_utils a module
imports, so the module that calls this imports the cli, and the file list is derived from the cli's imports
here: a new import in the aggregator is installed without touching the role.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import hashlib
import os
import pkgutil
import stat
import sys

from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, write_text

ROOT = 'ansible_collections.isplab.infra.plugins.module_utils'
ENTRY = ROOT + '.flow_paths.cli'
FILE_MODE = 0o644
DIR_MODE = 0o755


class InstallError(Exception):
    """The aggregator's code cannot run without Ansible as it stands; nothing was written."""


def _inside(name):
    return name.startswith(ROOT + '.')


def _relpath(name, package):
    return name.replace('.', '/') + ('/__init__.py' if package else '.py')


def find_source(name):
    """(relative path, source bytes) of module or package ``name`` as loaded here, or None."""
    parent, leaf = name.rpartition('.')[::2]
    for package, resource, is_package in ((parent, leaf + '.py', False), (name, '__init__.py', True)):
        try:
            data = pkgutil.get_data(package, resource) if package else None
        except (ImportError, OSError, ValueError):  # not a module / not a package / no such resource
            data = None
        if data is not None:
            return _relpath(name, is_package), data
    return None


def _check_external(name, importer):
    top = name.split('.')[0]
    stdlib = getattr(sys, 'stdlib_module_names', None)  # Python >= 3.10; older hosts only get the Ansible check
    if top in ('ansible', 'ansible_collections') or (stdlib is not None and top not in stdlib and top != '__future__'):
        raise InstallError('%s imports %s, which the collector timer cannot load (it runs without Ansible, '
                           'standard library only): import only the standard library and %s.*' % (importer, name, ROOT))


def imported_names(source, name, is_package, find):
    """Modules and packages under ROOT that the source of ``name`` imports, anywhere in its body."""
    package = name if is_package else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            candidates = [[alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                base = '.'.join(package.split('.')[:len(package.split('.')) - node.level + 1] + ([base] if base else []))
            # `from pkg import x`: x is a submodule when it has a source, else a name defined in pkg
            candidates = [[base + '.' + alias.name, base] for alias in node.names]
        else:
            continue
        for options in candidates:
            inside = [option for option in options if option == ROOT or _inside(option)]
            if not inside:
                _check_external(options[-1], name)
                continue
            found.add(next((option for option in inside if find(option) is not None), inside[-1]))
    return found


def required_files(entry=ENTRY, find=None):
    """{relative path: source bytes} of every file ``python3 -m <entry>`` loads below the lib dir.

    Packages down to ROOT get empty ``__init__.py`` markers, as AnsiballZ gives them; the collection's own
    packages below ROOT get their real ``__init__.py``, which runs on import and is followed like a module.
    """
    find = find or find_source
    files = {}
    todo, seen = [entry], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split('.')
        parents = ['.'.join(parts[:depth]) for depth in range(1, len(parts))]
        files.update((_relpath(parent, True), b'') for parent in parents if not _inside(parent))
        todo.extend(parent for parent in parents if _inside(parent))
        if not _inside(name):
            files[_relpath(name, True)] = b''
            continue
        found = find(name)
        if found is None:
            raise InstallError('%s (needed by the collector timer) is not in this module run: the module that '
                               'installs the aggregator must import %s so AnsiballZ ships its imports' % (name, entry))
        path, source = found
        files[path] = source
        todo.extend(imported_names(source, name, path.endswith('/__init__.py'), find))
    return files


def _sha256(path):
    try:
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (IOError, OSError):
        return None


def _directories(files):
    """Relative directories of ``files``, parents first (a prefix sorts first); ``.`` is the lib dir itself."""
    dirs = set(['.'])
    for path in files:
        parts = path.split('/')[:-1]
        dirs.update('/'.join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return sorted(dirs)


def _attrs_differ(st, mode, owner):
    return stat.S_IMODE(st.st_mode) != mode or (st.st_uid, st.st_gid) != tuple(owner)


def pending(lib_dir, files, owner=(0, 0)):
    """Relative paths (directories end in /) whose existence, content, mode or owner differ, parents first."""
    changes = []
    for rel in _directories(files):
        full = os.path.join(lib_dir, rel)
        if not os.path.isdir(full) or _attrs_differ(os.stat(full), DIR_MODE, owner):
            changes.append(rel + '/')
    for rel in sorted(files):
        full = os.path.join(lib_dir, rel)
        if os.path.islink(full) or not os.path.isfile(full) or _attrs_differ(os.lstat(full), FILE_MODE, owner) \
                or _sha256(full) != hashlib.sha256(files[rel]).hexdigest():
            changes.append(rel)
    return changes


def stale(lib_dir, files):
    """Sorted .py files in the collection's package directories that the cli no longer needs (renamed, unused)."""
    packages = set(os.path.dirname(rel) for rel in files
                   if rel.endswith('/__init__.py') and _inside(os.path.dirname(rel).replace('/', '.')))
    found = []
    for rel_dir in packages:
        try:
            names = os.listdir(os.path.join(lib_dir, rel_dir))
        except OSError:
            continue
        found.extend(rel_dir + '/' + n for n in names if n.endswith('.py') and rel_dir + '/' + n not in files)
    return sorted(found)


def digest(data):
    """The 12 hex digits of a file's SHA-256 that --diff shows."""
    return hashlib.sha256(data).hexdigest()[:12]


def listing(lib_dir, paths):
    """``path digest mode uid:gid`` lines of those of ``paths`` that exist: the --diff view, not whole sources."""
    lines = []
    for rel in sorted(paths):
        full = os.path.join(lib_dir, rel)
        sha = _sha256(full)
        if sha is not None:
            st = os.lstat(full)
            lines.append('%s %s %04o %d:%d\n' % (rel, sha[:12], stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
    return ''.join(lines)


def planned_listing(files, owner=(0, 0)):
    """The same lines for ``files`` as they will be installed."""
    return ''.join('%s %s %04o %d:%d\n' % (rel, digest(files[rel]), FILE_MODE, owner[0], owner[1]) for rel in sorted(files))


def apply(module, lib_dir, files, changes, removals, owner=(0, 0)):
    """Make ``changes`` (from pending) and delete ``removals`` (from stale); files are replaced atomically."""
    for rel in changes:
        full = os.path.normpath(os.path.join(lib_dir, rel))
        if rel.endswith('/'):
            if not os.path.isdir(full):
                os.makedirs(full, DIR_MODE)
            mode = DIR_MODE
        else:
            text = files[rel].decode('utf-8')
            if os.path.islink(full) or read_text(full, default=None) != text:
                write_text(module, full, text, FILE_MODE)
            mode = FILE_MODE
        os.chown(full, owner[0], owner[1])
        os.chmod(full, mode)  # after chown, which may clear bits; atomic_move keeps the mode of the file it replaced
    for rel in removals:
        os.unlink(os.path.join(lib_dir, rel))
