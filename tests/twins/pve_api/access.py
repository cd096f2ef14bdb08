"""Who may GET what: PVE's ACLs and API-token privilege separation, as the twin models them.

Follows pve-access-control PVE/AccessControl.pm (``roles``: walk the path from ``/`` down, an ACL
entry on a parent counts only with ``propagate``, a deeper entry replaces the roles found above it;
``root@pam`` holds every privilege) and PVE/RPCEnvironment.pm (``permissions``: a token with
``privsep=1`` gets the intersection of its user's privileges and its own ACL's, ``privsep=0`` its
user's; ``check``/``check_any`` raise "Permission check failed (PATH, PRIV|PRIV)" with HTTP 403).
Not modelled: groups, realms other than the user's, pools, token expiry.
"""

# Privileges of the built-in roles the tests use (PVE 8 pve-access-control PVE/AccessControl.pm
# $special_roles / role definitions). Administrator holds everything.
ROLES = {
    'PVEAuditor': {'Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit'},
    'PVEDatastoreUser': {'Datastore.AllocateSpace', 'Datastore.Audit'},
    'PVEVMUser': {'VM.Audit', 'VM.Console', 'VM.Backup', 'VM.PowerMgmt', 'VM.Config.CDROM', 'VM.Config.Cloudinit',
                  'Datastore.AllocateSpace', 'Pool.Audit'},
    'NoAccess': set(),
}
EVERYTHING = None  # stands for Administrator / root@pam


def _levels(path):
    parts = [p for p in path.split('/') if p]
    return ['/'] + ['/' + '/'.join(parts[:i]) for i in range(1, len(parts) + 1)]


def _privileges(acl, subject, kind, path):
    """Privileges ACL entries of ``kind`` ('user'/'token') for ``subject`` grant on ``path``."""
    found = set()
    for level in _levels(path):
        entries = [e for e in acl if e.get(kind) == subject and e['path'] == level
                   and (level == path or e.get('propagate', 1))]
        if entries:
            roles = set(r for e in entries for r in e['roles'])
            if 'NoAccess' in roles:
                found = set()
            elif 'Administrator' in roles:
                found = EVERYTHING
            else:
                unknown = roles - set(ROLES)
                if unknown:
                    raise ValueError('twin control: unknown role(s) %s' % ', '.join(sorted(unknown)))
                found = set().union(*(ROLES[r] for r in roles))
    return found


def permissions(user, token_id, privsep, acl, path):
    """The privileges token ``user!token_id`` holds on ``path`` (EVERYTHING for all)."""
    user_privs = EVERYTHING if user == 'root@pam' else _privileges(acl, user, 'user', path)
    if not privsep:
        return user_privs
    token_privs = _privileges(acl, '%s!%s' % (user, token_id), 'token', path)
    if user_privs is EVERYTHING:
        return token_privs
    if token_privs is EVERYTHING:
        return user_privs
    return user_privs & token_privs


def check(user, token_id, privsep, acl, path, privs, any_of=False):
    """None when allowed, else the 403 reason PVE::RPCEnvironment puts in the status line."""
    held = permissions(user, token_id, privsep, acl, path)
    if held is EVERYTHING:
        return None
    ok = any(p in held for p in privs) if any_of else all(p in held for p in privs)
    return None if ok else 'Permission check failed (%s, %s)' % (path, '|'.join(privs))
