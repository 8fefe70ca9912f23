@testable import RunCore
import SettlementCalendar
import Testing

/// The clock of a load run that crosses business days: a night ends once every network still
/// served has run it, and the clock then reads the next day's opening.
@Suite("Business days' clock")
struct DayCycleTests {
    static let zone = Zone(identifier: "Asia/Shanghai")!
    static let start = zone.instant(LocalDateTime("2026-05-11 10:00")!)

    /// Plays a network's serve loop: waits for a night to run, then says it ran it.
    static func network(_ cycle: DayCycle, runs: Int) async {
        var ran = 0
        while ran < runs {
            if let night = cycle.nightToRun(after: ran) {
                cycle.ranNight(retired: 3, kept: 1)
                ran = night.number
            } else {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    @Test("a night waits for every network, then the clock reads the next opening; a network whose run ended is not waited for")
    func nightsWaitForNetworks() async {
        let cycle = DayCycle(start: Self.start, zone: Self.zone, networks: 2)
        #expect(cycle.opening(after: cycle.now()) == Self.zone.instant(LocalDateTime("2026-05-12 10:00")!))
        async let first: Void = Self.network(cycle, runs: 2)
        async let second: Void = Self.network(cycle, runs: 1)
        await cycle.night()
        #expect(Self.zone.local(cycle.now()).date == LocalDate("2026-05-12")!)
        // The second network's run ends: the next night is the first's alone.
        await second
        cycle.leave()
        await cycle.night()
        await first
        #expect(Self.zone.local(cycle.now()).date == LocalDate("2026-05-13")!)
        #expect(cycle.nights == 2 && cycle.retired == 9 && cycle.kept == [2, 1])
        // With no network left, a night does not wait at all.
        cycle.leave()
        await cycle.night()
        #expect(cycle.nights == 3 && Self.zone.local(cycle.now()).date == LocalDate("2026-05-14")!)
    }
}
