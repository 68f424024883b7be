#!/usr/bin/env python3
"""Catches a load-test stall in the act.

Follows the progress lines of a running LoadRun (its output, redirected to a file) and, in each second when
completions fall below a share of the target rate while transfers pile up, records what the embedded hub is
waiting on: PostgreSQL's active statements and wait events, each PostgreSQL process's kernel wait channel, the
hub JVM's busy threads and the stacks of its loops, and the machine's I/O and CPU pressure.

    python3 load-tests/scripts/stall-watch.py /tmp/run.log > /tmp/stalls.txt     (from the repository root)

Linux only. Needs psql on the PATH (or PSQL=/path/to/psql) and jcmd from the hub's JDK (JCMD=..., default
$JAVA_HOME/bin/jcmd). Environment: STALL_SHARE (0.3) is the completions' share of the target under which a
second counts as stalled, STALL_AFTER_S (125) skips the warm-up, STALL_GAP_S (1.5) is the least time between
two captures.
"""
import glob
import os
import re
import subprocess
import sys
import time

PROGRESS = re.compile(r'\[\s*(\d+)s\] target (\d+)/s\s+started \d+/s\s+ended (\d+)/s\s+in flight (\d+)')
HUB_LOG = re.compile(r'log in (\S+)/hub\.log')
LOOPS = ('processor-|projections|participant-directory|participants-view|expiry-scheduler|fspiop-http|callback-http'
         '|.*StreamThread|kafka-producer-network|data-plane-kafka-request|mizani:housekeeper')
ACTIVITY = ("select pid, state, wait_event_type, wait_event, round(extract(epoch from now() - xact_start)::numeric, 3), "
            "regexp_replace(left(query, 80), '\\s+', ' ', 'g') from pg_stat_activity "
            "where state <> 'idle' or backend_type <> 'client backend'")


def sh(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return f'({e})\n'


def capture(out, line, run_dir, java_home):
    out.write(f'===== {time.strftime("%H:%M:%S")} {line}\n')
    pid_file = os.path.join(run_dir, 'postgres', 'postmaster.pid') if run_dir else None
    if pid_file and os.path.exists(pid_file):
        postmaster = open(pid_file).read().split('\n')
        out.write(sh([os.environ.get('PSQL', 'psql'), '-h', '127.0.0.1', '-p', postmaster[3], '-U', 'postgres',
                      '-d', 'mizani', '-At', '-F|', '-c', ACTIVITY]))
        out.write(sh(['ps', '-o', 'pid,stat,wchan:28,pcpu,cmd', '--ppid', postmaster[0]]))
    jcmd = os.environ.get('JCMD', os.path.join(java_home, 'bin', 'jcmd'))
    for pid in sh(['pgrep', '-f', 'dev.mizani.hub.Main']).split():
        threads = sh(['ps', '-L', '-o', 'tid,stat,wchan:28,pcpu,comm', '-p', pid]).splitlines()
        out.write('\n'.join(t for t in threads if _busy(t)) + '\n')
        stacks = sh([jcmd, pid, 'Thread.print']).split('\n\n')
        out.write('\n\n'.join('\n'.join(s.splitlines()[:16]) for s in stacks
                              if re.match(f'"({LOOPS})', s.lstrip())) + '\n')
    for f in ('/proc/pressure/io', '/proc/pressure/cpu'):
        if os.path.exists(f):
            out.write(f'{f}: ' + open(f).read())
    out.flush()


def _busy(ps_line):
    """A thread that is not sleeping (running, or in uninterruptible I/O wait), or used over 3% of a core."""
    fields = ps_line.split()
    try:
        return 'S' not in fields[1] or float(fields[3]) > 3
    except (IndexError, ValueError):
        return True  # the header


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: stall-watch.py <LoadRun output file>')
    log = sys.argv[1]
    share = float(os.environ.get('STALL_SHARE', '0.3'))
    after = int(os.environ.get('STALL_AFTER_S', '125'))
    gap = float(os.environ.get('STALL_GAP_S', '1.5'))
    java_home = os.environ.get('JAVA_HOME', '/usr')
    run_dir, seen, last = None, None, 0.0
    while True:
        time.sleep(0.3)
        try:
            text = open(log).read()
        except OSError:
            continue
        if run_dir is None:
            m = HUB_LOG.search(text)
            if m:
                run_dir = m.group(1) if os.path.isabs(m.group(1)) else os.path.join(os.getcwd(), m.group(1))
        if 'validity gates:' in text:
            return
        lines = [l for l in text.splitlines()[-3:] if PROGRESS.search(l)]
        if not lines or lines[-1] == seen:
            continue
        seen = lines[-1]
        second, target, ended, in_flight = map(int, PROGRESS.search(seen).groups())
        if second < after or ended > share * target or in_flight < target / 2 or time.time() - last < gap:
            continue
        last = time.time()
        capture(sys.stdout, seen.strip(), run_dir, java_home)


if __name__ == '__main__':
    main()
