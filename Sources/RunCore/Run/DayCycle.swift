public import SettlementCalendar
import Synchronization

/// The clock of a served run that crosses business days (`paylab load --day 5s`): virtual
/// time follows the wall clock from the scenario's start, as in any served run, but each day
/// lasts only so long. At its end the generator stops sending and waits for its answers, then
/// asks for the night (`night()`): every network the cycle serves runs its own clock, on the
/// virtual timeline, through the night to the next day's opening (the cutoff, the clearing,
/// the payouts, as at the end of any run), forgets what is final (`NodeLogic.retireFinal`),
/// and says so; then the clock jumps to that opening and the next day begins. What a run
/// keeps is then bounded by what is outstanding, not by how long it runs.
public final class DayCycle: Sendable {
    /// The first day's opening (the scenario's start); each day opens at its time of day.
    public let start: Instant
    public let zone: Zone
    /// How many networks run each night (the night ends when all have).
    public let networks: Int
    private let wallStart = ContinuousClock.now

    private struct State {
        /// How much virtual time the nights skipped, beyond the wall time they took.
        var skipped: Duration = .zero
        /// The night under way: its number (from 1) and the opening it runs to.
        var night: (number: Int, until: Instant)?
        var nights = 0
        /// Networks that have run the night under way, and networks no longer served (a run
        /// that stopped on an error runs no more nights: it is not waited for).
        var ran = 0
        var left = 0
        var done: CheckedContinuation<Void, Never>?
        /// Journal entries the networks' nodes retired, all told.
        var retired = 0
        /// Journal entries the networks' nodes kept after each night, and tonight's so far.
        var kept: [Int] = []
        var keptTonight = 0
    }

    private let state = Mutex(State())

    public init(start: Instant, zone: Zone, networks: Int) {
        self.start = start
        self.zone = zone
        self.networks = max(1, networks)
    }

    /// The virtual time now.
    public func now() -> Instant {
        let skipped = state.withLock { $0.skipped }
        return start.advanced(by: ContinuousClock.now - wallStart + skipped)
    }

    /// How many nights have passed.
    public var nights: Int { state.withLock { $0.nights } }
    /// Journal entries retired at the nights, all told.
    public var retired: Int { state.withLock { $0.retired } }
    /// Journal entries the nodes kept after each night (what is outstanding then), night by night.
    public var kept: [Int] { state.withLock { $0.kept } }

    /// The opening of the day after the one `instant` falls in (at the start's time of day).
    public func opening(after instant: Instant) -> Instant {
        let today = zone.local(instant)
        let opens = zone.local(start).time
        return zone.instant(LocalDateTime(date: today.date.adding(days: 1), time: opens))
    }

    /// Ends the day: returns once every network has run its clock to the next opening and
    /// retired what is final, with the clock reading that opening. Only the generator calls it,
    /// with nothing in flight.
    public func night() async {
        let until = opening(after: now())
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let nobody = state.withLock { state -> Bool in
                state.nights += 1
                state.night = (state.nights, until)
                state.ran = 0
                state.keptTonight = 0
                state.done = done
                return state.left >= networks
            }
            if nobody { finish(retired: 0, kept: 0, ran: false) }
        }
        // Every network is at the opening: the clock jumps there.
        let current = now()
        state.withLock { $0.skipped += .milliseconds(until.milliseconds - current.milliseconds) }
    }

    /// The night a network has still to run (it ran `ran` so far), if one is under way.
    func nightToRun(after ran: Int) -> (number: Int, until: Instant)? {
        state.withLock { state in
            guard let night = state.night, night.number > ran else { return nil }
            return night
        }
    }

    /// A network ran the night under way, retiring `retired` entries and keeping `kept`.
    func ranNight(retired: Int, kept: Int) {
        finish(retired: retired, kept: kept, ran: true)
    }

    /// A network is no longer served (its run ended, or stopped on an error): no night waits for it.
    func leave() {
        finish(retired: 0, kept: 0, ran: false, leaving: true)
    }

    private func finish(retired: Int, kept: Int, ran: Bool, leaving: Bool = false) {
        let done = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if ran { state.ran += 1 }
            if leaving { state.left += 1 }
            state.retired += retired
            state.keptTonight += kept
            guard state.night != nil, state.ran + state.left >= networks else { return nil }
            state.kept.append(state.keptTonight)
            state.night = nil
            defer { state.done = nil }
            return state.done
        }
        done?.resume()
    }
}
