#!/usr/bin/env python3
"""The table of make bench: reads the result rows (tab-separated: measure,
SOS figure, ceiling figure or -, unit, what the ceiling is, target, hi or
lo) and prints one table, each SOS figure beside its ceiling and the
ratio, 1.0 meaning at the ceiling and more meaning better (SOS / ceiling
where more of the unit is better, ceiling / SOS where less is).  Writes
the table as Markdown to OUT.md and, when gnuplot is installed, a chart
of the ratios to OUT.png.

    report.py ROWS OUT TITLE
"""

import os
import shutil
import subprocess
import sys


def num(s):
    v = float(s)
    return '%.0f' % v if v >= 100 else '%.3g' % v


def main():
    rows_file, out, title = sys.argv[1:4]
    rows = []
    with open(rows_file) as f:
        for line in f:
            measure, sos, ceil, unit, what, target, better = \
                line.rstrip('\n').split('\t')
            ratio = '-'
            if ceil != '-' and float(sos) > 0 and float(ceil) > 0:
                r = float(sos) / float(ceil)
                ratio = '%.2f' % (r if better == 'hi' else 1 / r)
            rows.append((measure, '%s %s' % (num(sos), unit),
                         '%s %s' % (num(ceil), unit) if ceil != '-' else '-',
                         what, ratio, target))

    head = ('measure', 'SOS', 'ceiling', 'ceiling is', 'ratio', 'target')
    width = [max(len(r[i]) for r in rows + [head]) for i in range(6)]
    print(title)
    for r in [head] + rows:
        print('  '.join(c.ljust(width[i]) if i in (0, 3) else
                        c.rjust(width[i]) for i, c in enumerate(r)))

    with open(out + '.md', 'w') as f:
        f.write('%s\n\n' % title)
        f.write('| %s |\n' % ' | '.join(head))
        f.write('|---|---:|---:|---|---:|---|\n')
        for r in rows:
            f.write('| %s |\n' % ' | '.join(r))

    gnuplot = shutil.which('gnuplot')
    if gnuplot is None:
        print('no gnuplot (make deps): no chart', file=sys.stderr)
        return
    top = 1.1
    with open(out + '.dat', 'w') as f:
        for r in rows:
            if r[4] != '-':
                f.write('"%s" %s\n' % (r[0].replace('"', "'"), r[4]))
                top = max(top, float(r[4]) * 1.15)
    script = '''
set terminal pngcairo size 1000,%d font "sans,10"
set output "%s.png"
set title "%s"
set xlabel "ratio to the ceiling measured in the same run \\
(1.0: at the ceiling; more is better)"
set style fill solid 0.6
set boxwidth 0.6
set yrange [-0.5:*] reverse
set xrange [0:%.2f]
set ytics nomirror
set grid x
set arrow from 1, graph 0 to 1, graph 1 nohead dt 2
unset key
plot "%s.dat" using 2:0:(0):2:($0-0.3):($0+0.3):yticlabels(1) \\
     with boxxyerror, \\
     "" using 2:0:(sprintf("%%.2f", $2)) with labels left offset 1,0
''' % (120 + 40 * len(rows), out, title.replace('"', "'"), top, out)
    subprocess.run([gnuplot], input=script.encode(), check=True)
    os.unlink(out + '.dat')


main()
