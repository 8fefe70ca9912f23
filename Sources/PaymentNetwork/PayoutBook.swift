public import SettlementCalendar

/// What an acquirer owes its merchants and has not yet paid: the dues of approved
/// purchases waiting for their payout time, the payouts in flight, the money a merchant
/// owes back for a purchase reversed after it was paid, and the risk holds.
public struct PayoutBook: Sendable {
    /// Money owed to a merchant for one approved purchase.
    public struct Due: Sendable {
        /// Where the due stands.
        public enum State: Sendable, Equatable {
            case scheduled, held, returned, sending
            /// Returned for an account that is closed or does not exist: paid only once the merchant's account changes.
            case parked
        }
        /// The purchase.
        public var reference: TransactionReference
        /// The purchase amount, the fee and what is left to pay.
        public var amount: Money, fee: Money, net: Money
        /// When it may be paid; nil: at once.
        public var payableAt: LocalDateTime?
        /// Where it stands.
        public var state: State
    }

    /// Money a merchant owes back: a purchase reversed after its payout; later payouts net it.
    public struct Clawback: Sendable, Equatable {
        /// The purchase that was reversed.
        public var reference: TransactionReference
        /// What is still owed.
        public var net: Money
        /// Why, in a few words ("reversed after it was paid", "refund").
        public var why: String = "reversed after it was paid"
    }

    /// A payout made (sent to the bank, or settled by netting), until it is answered.
    public struct Payout: Sendable {
        /// The merchant paid.
        public var merchantID: String
        /// The dues it pays.
        public var references: [TransactionReference]
        /// What is credited: the dues less what was netted.
        public var total: Money
        /// The owed-back money netted from it.
        public var netted: [Clawback]
    }

    private var dues: [String: [Due]] = [:]
    private var clawbacks: [String: [Clawback]] = [:]
    private var inFlight: [String: Payout] = [:]
    /// Merchants whose payouts risk control holds.
    public private(set) var holds: Set<String> = []

    /// An empty book.
    public init() {}

    /// RRNs of the payouts sent and not yet answered.
    public var payoutsInFlight: [String] { inFlight.keys.sorted() }
    public var hasPayoutsInFlight: Bool { !inFlight.isEmpty }

    /// The merchant a payout in flight pays.
    public func merchant(ofPayout rrn: String) -> String? { inFlight[rrn]?.merchantID }

    /// Every purchase the book still holds something of: a due, a payout in flight, money owed back.
    public var outstanding: Set<TransactionReference> {
        var references = Set(dues.values.joined().map(\.reference))
        references.formUnion(clawbacks.values.joined().map(\.reference))
        references.formUnion(inFlight.values.flatMap(\.references))
        return references
    }

    /// The dues of a merchant, in the order they were booked.
    public func dues(of merchant: String) -> [Due] { dues[merchant] ?? [] }

    /// What a merchant owes back.
    public func owedBack(by merchant: String) -> Money { (clawbacks[merchant] ?? []).reduce(.zero) { $0 + $1.net } }

    /// Books a due.
    public mutating func add(_ due: Due, merchant: String) { dues[merchant, default: []].append(due) }

    /// Takes back a due that is not paid and not being paid; nil when there is none.
    public mutating func removeUnpaid(_ reference: TransactionReference, merchant: String) -> Due? {
        guard let index = dues[merchant]?.firstIndex(where: { $0.reference == reference && $0.state != .sending }) else { return nil }
        return dues[merchant]?.remove(at: index)
    }

    /// Whether a purchase's due is still unpaid and not being paid.
    public func isUnpaid(_ reference: TransactionReference, merchant: String) -> Bool {
        dues(of: merchant).contains { $0.reference == reference && $0.state != .sending }
    }

    /// Records money a merchant owes back, netted from its next payouts.
    public mutating func oweBack(_ clawback: Clawback, merchant: String) { clawbacks[merchant, default: []].append(clawback) }

    /// Parks the dues of a payout that was returned for a closed or wrong account; returns them.
    public mutating func park(_ rrn: String) -> [Due] {
        guard let payout = inFlight.removeValue(forKey: rrn) else { return [] }
        clawbacks[payout.merchantID] = payout.netted + (clawbacks[payout.merchantID] ?? [])
        return update(payout.merchantID, payout.references) { due in
            due.state = .parked
            return true
        }
    }

    /// The merchant's account changed: its parked dues are payable at `next`; returns them.
    public mutating func unpark(_ merchant: String, payableAt next: LocalDateTime) -> [Due] {
        let parked = dues(of: merchant).filter { $0.state == .parked }.map(\.reference)
        return update(merchant, parked) { due in
            due.state = .returned
            due.payableAt = next
            return true
        }
    }

    /// Drops what is still owed back for `reference` (a refund that was reversed); returns how much that was.
    public mutating func forgive(_ reference: TransactionReference, merchant: String) -> Money {
        let owed = (clawbacks[merchant] ?? []).filter { $0.reference == reference }.reduce(Money.zero) { $0 + $1.net }
        clawbacks[merchant]?.removeAll { $0.reference == reference }
        return owed
    }

    /// The dues a payout run at `local` may pay: scheduled or returned, and payable by then.
    public func payable(_ merchant: String, at local: LocalDateTime) -> [Due] {
        dues(of: merchant).filter { ($0.state == .scheduled || $0.state == .returned) && ($0.payableAt.map { $0 <= local } ?? true) }
    }

    /// Whether a merchant has returned dues payable by `local` (a bank that was down is back).
    public func hasReturned(_ merchant: String, by local: LocalDateTime) -> Bool {
        dues(of: merchant).contains { $0.state == .returned && ($0.payableAt.map { $0 <= local } ?? true) }
    }

    /// Marks dues held; returns those that were not held yet.
    public mutating func hold(_ references: [TransactionReference], merchant: String) -> [Due] {
        update(merchant, references) { due in
            guard due.state != .held else { return false }
            due.state = .held
            return true
        }
    }

    /// Starts or lifts a risk hold on a merchant.
    public mutating func setHold(_ merchant: String, _ on: Bool) {
        if on { holds.insert(merchant) } else { holds.remove(merchant) }
    }

    /// Makes a merchant's held dues payable at `next`; returns them.
    public mutating func release(_ merchant: String, payableAt next: LocalDateTime?) -> [Due] {
        let held = dues(of: merchant).filter { $0.state == .held }.map(\.reference)
        return update(merchant, held) { due in
            due.state = .scheduled
            if let next { due.payableAt = next }
            return true
        }
    }

    /// Makes dues payable no earlier than `next` (a payout the account could not cover); returns them.
    public mutating func postpone(_ references: [TransactionReference], merchant: String, to next: LocalDateTime) -> [Due] {
        update(merchant, references) { due in
            due.payableAt = next
            return true
        }
    }

    /// Starts a payout of these dues under `rrn`, netting what the merchant owes back, up to their sum.
    public mutating func startPayout(_ rrn: String, merchant: String, paying references: [TransactionReference]) -> Payout {
        let paying = update(merchant, references) { $0.state = .sending; return true }
        let gross = paying.reduce(Money.zero) { $0 + $1.net }
        var netted: [Clawback] = []
        var left = gross
        var owed = clawbacks[merchant] ?? []
        while left > .zero, !owed.isEmpty {
            let take = min(owed[0].net, left)
            netted.append(Clawback(reference: owed[0].reference, net: take, why: owed[0].why))
            owed[0].net -= take
            left -= take
            if owed[0].net == .zero { owed.removeFirst() }
        }
        clawbacks[merchant] = owed
        let payout = Payout(merchantID: merchant, references: references, total: left, netted: netted)
        inFlight[rrn] = payout
        return payout
    }

    /// The bank credited a payout (or it needed no message): its dues are paid.
    public mutating func paid(_ rrn: String) -> Payout? {
        guard let payout = inFlight.removeValue(forKey: rrn) else { return nil }
        let paid = Set(payout.references)
        dues[payout.merchantID]?.removeAll { paid.contains($0.reference) }
        return payout
    }

    /// The payout was refused or could not be sent: its dues are returned (payable again at
    /// `retry`, when given) and what it netted is owed again.
    public mutating func returned(_ rrn: String, retry: LocalDateTime?) -> Payout? {
        guard let payout = inFlight.removeValue(forKey: rrn) else { return nil }
        _ = update(payout.merchantID, payout.references) { due in
            due.state = .returned
            if let retry { due.payableAt = retry }
            return true
        }
        clawbacks[payout.merchantID] = payout.netted + (clawbacks[payout.merchantID] ?? [])
        return payout
    }

    /// Applies `change` to the dues with these references; returns those it changed (it says whether it did).
    private mutating func update(_ merchant: String, _ references: [TransactionReference], _ change: (inout Due) -> Bool) -> [Due] {
        var items = dues[merchant] ?? []
        var changed: [Due] = []
        let wanted = Set(references)
        for index in items.indices where wanted.contains(items[index].reference) {
            if change(&items[index]) { changed.append(items[index]) }
        }
        dues[merchant] = items
        return changed
    }
}
