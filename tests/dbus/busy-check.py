#!/usr/bin/python3
"""Two Suggest calls for one dataset sent together on one connection: one
gets the batch, the other org.lightly.Suggest1.Error.Busy; BatchReady and
Progress arrive for the one that ran."""
import sys

from gi.repository import Gio, GLib

dataset = sys.argv[1]
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
loop = GLib.MainLoop()
replies, signals = [], []


def on_signal(conn, sender, path, iface, name, params):
    signals.append(name)


bus.signal_subscribe(None, 'org.lightly.Suggest1', None, '/org/lightly/Suggest1', None,
                     Gio.DBusSignalFlags.NONE, on_signal)


def done(conn, res):
    try:
        replies.append(('ok', conn.call_finish(res).unpack()[0]))
    except GLib.Error as e:
        replies.append(('error', Gio.DBusError.get_remote_error(e)))
    if len(replies) == 2:
        GLib.timeout_add(200, loop.quit)


args = GLib.Variant('(sasuasadu)', (dataset, [], 40, [], [], 0))
for _ in range(2):
    bus.call('org.lightly.Suggest1', '/org/lightly/Suggest1', 'org.lightly.Suggest1', 'Suggest', args,
             GLib.VariantType('(as)'), Gio.DBusCallFlags.NONE, 60000, None, done)
loop.run()
kinds = sorted(k for k, _ in replies)
assert kinds == ['error', 'ok'], replies
assert ('error', 'org.lightly.Suggest1.Error.Busy') in replies, replies
assert len([v for k, v in replies if k == 'ok'][0]) == 40, replies
assert 'BatchReady' in signals and 'Progress' in signals, signals
print('BUSY check:', replies[0][0], replies[1][0], 'signals', sorted(set(signals)))
