// A tiny test harness for GJS: GJS logs exceptions thrown in callbacks and
// still exits 0, so every check is counted and the exit status set here.
import Gio from 'gi://Gio';
import System from 'system';

let failures = 0;
let checks = 0;

export function check(cond, what) {
    checks++;
    if (!cond) {
        failures++;
        printerr(`not ok - ${what}`);
    }
}

export function checkThrows(fn, domain, code, what) {
    try {
        fn();
        check(false, `${what}: did not throw`);
    } catch (e) {
        check(e.matches !== undefined && e.matches(domain, code), `${what}: threw ${e}`);
    }
}

export function test(name, fn) {
    try {
        fn();
    } catch (e) {
        failures++;
        printerr(`not ok - ${name}: ${e}\n${e.stack}`);
    }
}

export function finish() {
    print(`${checks} checks, ${failures} failed`);
    System.exit(failures > 0 ? 1 : 0);
}

// Removes a test's temporary folder and everything below it, without a shell
// and without following symbolic links.
export function removeTree(path) {
    const file = Gio.File.new_for_path(path);
    const children = file.enumerate_children('standard::name,standard::type',
        Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    let info;
    while ((info = children.next_file(null)) !== null) {
        const child = file.get_child(info.get_name());
        if (info.get_file_type() === Gio.FileType.DIRECTORY)
            removeTree(child.get_path());
        else
            child.delete(null);
    }
    file.delete(null);
}
