"""One CLI session of the IOS-XE twin: modes, prompts, errors (transport-independent)."""

import re

from .cli import INJECTED, INVALID, CliError, canonical_interface

MODE_PROMPTS = {
    'exec': '>', 'enable': '#', 'config': '(config)#', 'record': '(config-flow-record)#',
    'exporter': '(config-flow-exporter)#', 'monitor': '(config-flow-monitor)#', 'interface': '(config-if)#',
}

SHOW_VERSION = """Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.9.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.

ROM: IOS-XE ROMMON

{host} uptime is 1 hour, 0 minutes
Uptime for this control processor is 1 hour, 1 minute
System returned to ROM by reload
System image file is "bootflash:packages.conf"
Last reload reason: reload

cisco C8000V (VXE) processor (revision VXE) with 1987654K/3075K bytes of memory.
Processor board ID ISPLABTWIN01
Router operating mode: Autonomous
4 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
3965124K bytes of physical memory.

Configuration register is 0x2102
"""


def _abbrev(word, full, minimum=2):
    return len(word) >= minimum and full.startswith(word)


class Session:
    """Feeds complete input lines to the router state; ``handle`` returns the text to print."""

    def __init__(self, state, secret, saver=None, lenient=False):
        self.state = state
        self.secret = secret
        self.saver = saver
        self.lenient = lenient  # loading a startup-config accepts what IOS would reject interactively
        self.mode = 'exec'
        self.context = None
        self.awaiting = None  # 'enable-password' | 'copy-destination'
        self.closed = False

    def prompt(self):
        if self.awaiting == 'enable-password':
            return 'Password: '
        if self.awaiting == 'copy-destination':
            return 'Destination filename [startup-config]? '
        return self.state.hostname + MODE_PROMPTS[self.mode]

    def _invalid(self, line, index):
        words = line.split()
        index = max(0, min(index or 0, len(words) - 1)) if words else 0
        pos = 0
        for i, word in enumerate(words):
            pos = line.index(word, pos)
            if i == index:
                break
            pos += len(word)
        caret = ' ' * (len(self.prompt()) + pos) + '^'
        return caret + '\n' + INVALID + '\n'

    def handle(self, line):
        line = line.rstrip('\r\n')
        if self.awaiting == 'enable-password':
            self.awaiting = None
            if line == self.secret:
                self.mode = 'enable'
                return ''
            return '% Bad secrets\n'
        if self.awaiting == 'copy-destination':
            self.awaiting = None
            return self._save()
        stripped = line.strip()
        if not stripped or stripped.startswith('!'):
            return ''
        with self.state.lock:
            try:
                return self._dispatch(stripped)
            except CliError as exc:
                if str(exc) == INVALID:
                    return self._invalid(stripped, exc.word_index)
                return str(exc) + '\n'

    def _save(self):
        if self.saver:
            self.saver()
        self.state.saved += 1
        return 'Building configuration...\n[OK]\n'

    def _dispatch(self, line):
        words = line.split()
        if self.mode in ('exec', 'enable'):
            return self._exec(line, words)
        if not self.lenient and self.state.inject(line):
            return INJECTED + ' (%s)\n' % line
        if words[0] == 'end':
            self.mode, self.context = 'enable', None
            return ''
        if words[0] == 'do' and len(words) > 1:
            return self._exec(line[3:].strip(), words[1:], from_config=True)
        if self.mode != 'config':
            if words[0] == 'exit':
                self.mode, self.context = 'config', None
                return ''
            handler = {'record': self.state.config_record, 'exporter': self.state.config_exporter,
                       'monitor': self.state.config_monitor, 'interface': self.state.config_interface}[self.mode]
            if self.mode in ('exporter',):
                handler(self.context, line)
            else:
                handler(self.context, line, lenient=self.lenient)
            return ''
        return self._config(line, words)

    def _exec(self, line, words, from_config=False):
        cmd = words[0]
        if _abbrev(cmd, 'enable') and len(words) == 1 and not from_config:
            if self.mode == 'enable':
                return ''
            self.awaiting = 'enable-password'
            return ''
        if _abbrev(cmd, 'disable') and len(words) == 1:
            self.mode = 'exec'
            return ''
        if cmd in ('exit', 'logout', 'quit'):
            self.closed = True
            return ''
        if _abbrev(cmd, 'terminal') and len(words) >= 2:
            return ''
        if _abbrev(cmd, 'show', 2):
            return self._show(line, words[1:])
        if self.mode != 'enable':
            raise CliError(INVALID, 0)
        if cmd == 'twin-test':
            return self._switch(words[1:])
        if _abbrev(cmd, 'configure') and (len(words) == 1 or _abbrev(words[1], 'terminal')):
            self.mode = 'config'
            return 'Enter configuration commands, one per line.  End with CNTL/Z.\n'
        if _abbrev(cmd, 'write') and (len(words) == 1 or _abbrev(words[1], 'memory', 3)):
            return self._save()
        if cmd == 'copy' and len(words) == 3 and words[1] in ('run', 'running-config') and words[2] in ('start', 'startup-config'):
            self.awaiting = 'copy-destination'
            return ''
        raise CliError(INVALID, 0)

    def _switch(self, args):
        """Test-only exec command (no router has it): ``twin-test record-lock attached|referenced``,
        ``twin-test refuse-config N`` (refuse the N-th configuration line from now, once), ``twin-test clear``."""
        if args[:1] == ['record-lock'] and args[1:] in (['attached'], ['referenced']):
            self.state.record_lock = args[1]
        elif args[:1] == ['refuse-config'] and len(args) == 2 and args[1].isdigit() and int(args[1]) > 0:
            self.state.refuse_at = int(args[1])
        elif args == ['clear']:
            self.state.refuse_at = None
            self.state.record_lock = 'attached'
        else:
            raise CliError(INVALID, 1)
        return ''

    def _show(self, line, args):
        st = self.state
        pipe = None
        if '|' in line:
            line, pipe = line.split('|', 1)
            args = line.split()[1:]
            pipe = pipe.strip()
        if not args:
            raise CliError('% Type "show ?" for a list of subcommands')
        if _abbrev(args[0], 'version', 3):
            return SHOW_VERSION.format(host=st.hostname)
        if _abbrev(args[0], 'running-config', 3):
            if pipe:
                match = re.match(r'^(section|include|sec|inc|i|s)\s+(.+)$', pipe)
                if not match:
                    raise CliError(INVALID, 0)
                if match.group(1).startswith('s'):
                    return '\n'.join(st.section(match.group(2))) + '\n'
                return '\n'.join(l for l in st.running_config() if re.search(match.group(2), l)) + '\n'
            return '\n'.join(st.running_config()) + '\n'
        if args[0] == 'flow' and len(args) >= 2:
            if _abbrev(args[1], 'record', 3):
                name = ' '.join(args[2:]) or None
                if name and st.record_fields(name) is None:
                    return '%% Flow Record %s not found\n' % name
                return '\n'.join(st.show_flow_record(name)) + '\n'
            if _abbrev(args[1], 'exporter', 3) and len(args) == 3 and _abbrev(args[2], 'templates', 4):
                return '\n'.join(st.show_flow_exporter_templates()) + '\n'
            if _abbrev(args[1], 'monitor', 3):
                name = args[2] if len(args) > 2 else None
                if name and name not in st.monitors:
                    return '%% Flow Monitor %s not found\n' % name
                return '\n'.join(st.show_flow_monitor(name)) + '\n'
        raise CliError(INVALID, 1)

    def _config(self, line, words):
        st = self.state
        negate = words[0] == 'no'
        rest = words[1:] if negate else words
        if rest and rest[0] == 'hostname' and len(rest) == 2 and not negate:
            st.hostname = rest[1]
            return ''
        if len(rest) >= 3 and rest[0] == 'flow' and rest[1] in ('record', 'exporter', 'monitor'):
            kind = rest[1]
            name = ' '.join(rest[2:])
            if negate:
                st.remove(kind, name)
                return ''
            getattr(st, 'new_' + kind)(name)
            self.mode, self.context = kind, name
            return ''
        if rest and _abbrev(rest[0], 'interface', 3) and len(rest) >= 2 and not negate:
            ifname = canonical_interface(' '.join(rest[1:]), st.interfaces)
            if ifname is None:
                raise CliError(INVALID, 1)
            self.mode, self.context = 'interface', ifname
            return ''
        if words[0] == 'exit':
            self.mode = 'enable'
            return ''
        raise CliError(INVALID, 1 if negate else 0)


def load_config_text(state, text, warn=None):
    """Apply a saved config leniently (like a router booting a startup-config with stale references).

    ``warn(line, reply)`` hears about every line the router answered with an error.
    """
    session = Session(state, '', lenient=True)
    session.mode = 'config'
    quiet = False  # inside a section the twin does not model (line vty ...): its lines are not news
    for line in text.splitlines():
        if not line.strip() or line.strip() in ('!', 'end'):
            continue
        if not line.startswith(' '):
            session.mode, session.context = 'config', None
            quiet = line.startswith(('Building', 'Current', 'version', 'service', 'line'))
        reply = session.handle(line)
        if reply.strip() and warn and not quiet:
            warn(line.strip(), reply.strip().splitlines()[-1])
    session.mode = 'enable'
