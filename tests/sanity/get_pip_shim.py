"""Stand-in for ansible-test's pip bootstrap script.

ansible-test downloads get-pip.py from a host this project's machines cannot
reach and documents a cache path for a manually provided copy.  This shim does
the same job from the interpreter's own ensurepip wheel, then lets pip install
the requested pip/setuptools/wheel versions from the configured package index.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'],
                      stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)
