#!/usr/bin/python3
"""One Suggest call on a dataset large enough for the selection to take a
while: the Progress signals for it must start at 0, end at 1, never go
back, and include at least one value strictly in between (the plugin's own
progress, forwarded by the service): the selection engine reports each
pick, the agent passes that on at most 20 times a second.

    progress-check.py DATASET_ID BATCH_SIZE"""
import sys

from gi.repository import Gio, GLib

dataset, batch_size = sys.argv[1], int(sys.argv[2])
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
loop = GLib.MainLoop()
fractions, reply = [], []


def on_progress(conn, sender, path, iface, name, params):
    ds, fraction = params.unpack()
    if ds == dataset:
        fractions.append(fraction)


bus.signal_subscribe(None, 'org.lightly.Suggest1', 'Progress', '/org/lightly/Suggest1', None,
                     Gio.DBusSignalFlags.NONE, on_progress)


def done(conn, res):
    reply.append(conn.call_finish(res).unpack()[0])
    GLib.timeout_add(200, loop.quit)


args = GLib.Variant('(sasuasadu)', (dataset, [], batch_size, [], [], 0))
bus.call('org.lightly.Suggest1', '/org/lightly/Suggest1', 'org.lightly.Suggest1', 'Suggest', args,
         GLib.VariantType('(as)'), Gio.DBusCallFlags.NONE, 110000, None, done)
loop.run()
assert len(reply[0]) == batch_size, reply
assert fractions and fractions[0] == 0.0 and fractions[-1] == 1.0, fractions
assert fractions == sorted(fractions), f'progress went back: {fractions}'
between = [f for f in fractions if 0.0 < f < 1.0]
# The plugin gives the selection the range 0.1 to 0.95 of the bar: a value
# strictly inside it is the selection's own progress, not a stage change.
assert any(0.1 < f < 0.95 for f in between), f'no progress from inside the selection: {fractions}'
print(f'Progress: {len(fractions)} signals, {len(between)} in between: '
      + ' '.join(f'{f:.3f}' for f in fractions))
