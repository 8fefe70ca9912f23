import Foundation
import Testing
@testable import SettlementCalendar

@Suite("Time zones")
struct ZoneTests {
    /// Every 6 hours and 17 minutes from 1970 to 2100: each season of every year, at changing times of day.
    static let instants = stride(from: 0, to: 4_102_444_800, by: 6 * 3600 + 17 * 60).map { Instant(milliseconds: Int64($0) * 1000) }

    @Test("a zone's offset is the system's tz rules' at every instant, before and after its last change (Shanghai's daylight saving of 1986-91, London's and Sydney's every year)",
          arguments: ["Asia/Shanghai", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"])
    func offsets(identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        let rules = try #require(TimeZone(identifier: identifier))
        let wrong = Self.instants.filter { zone.offsetSeconds(at: $0) != rules.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0.seconds))) }
        #expect(wrong.isEmpty, "\(wrong.prefix(3).map { zone.iso8601($0) })")
    }

    @Test("the offset is read without the rules only where it no longer changes: Shanghai from its last transition (1991), never for a zone with daylight saving")
    func settledOffsets() throws {
        let rules = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let shanghai = try #require(Zone.settled(rules))
        #expect(shanghai.offset == 8 * 3600)
        #expect(shanghai.since == 684_867_600)  // 1991-09-14 17:00 UTC, the end of its last summer time
        #expect(Zone.settled(try #require(TimeZone(identifier: "Europe/London"))) == nil)
        #expect(Zone.settled(try #require(TimeZone(identifier: "UTC")))?.offset == 0)
    }
}
