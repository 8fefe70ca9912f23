import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (editcap for `--capture`) with `posix_spawn`, bounded in time.
///
/// Not Foundation's `Process`: on Linux its `run()` finds the highest open descriptor by
/// reading `/proc/self/fd` with a 256-byte copy of each directory entry, which reads past the
/// end of glibc's buffer when an entry sits at its tail and the next page is unmapped: a crash,
/// now and then, in a process with many descriptors open (swift-corelibs-foundation #5472,
/// fixed after the toolchain PayLab builds with; a fresh-clone test run crashed on it in
/// `CaptureSession`). Here the child gets /dev/null for its standard streams and no other
/// descriptor of PayLab's (`posix_spawn_file_actions_addclosefrom_np` where glibc has it;
/// PayLab's own descriptors are close-on-exec in any case).
enum Subprocess {
    /// Runs `arguments` (found on PATH through /usr/bin/env) and waits for it, at most
    /// `limit`: its exit status, or nil when it could not start or outlived `limit` and was killed.
    static func run(_ arguments: [String], within limit: Duration) -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        _ = closeFrom?(&actions, 3)
        let argv = (["env"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ) == 0 else { return nil }
        let deadline = ContinuousClock.now + limit
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(10_000)
        }
        // Exited: its status (WEXITSTATUS); killed by a signal: 128 + the signal, as a shell says.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
