public import SettlementCalendar

/// The card checks that do not need the card's balance: its status and its expiry. The
/// issuer applies them to every purchase, and the scheme to every purchase it approves in
/// the issuer's place, so stand-in never approves a card its issuer would refuse for them.
public enum CardRules {
    /// The expiry (`YYMM`) of a card nobody gave one: wherever PayLab makes up a card (a
    /// scenario's card without `expiry`, load, incident import, a case file, a random world).
    public static let defaultExpiry = "2812"

    /// The code a card in this status and with this expiry (`YYMM`) gets today; nil when it may be used.
    public static func refusal(status: AccountStatus, expiry: String, today: LocalDate) -> ResponseCode? {
        if status == .lost { return .lostCard }
        if status == .stolen { return .stolenCard }
        if status == .frozen || status == .debitFrozen { return .restrictedCard }
        if status == .closed { return .invalidCardNumber }
        if status == .expired || isExpired(expiry, today: today) { return .expiredCard }
        return nil
    }

    /// Whether a `YYMM` expiry lies before today's month (an unreadable one counts as expired).
    public static func isExpired(_ expiry: String, today: LocalDate) -> Bool {
        (Int(expiry) ?? 0) < (today.year % 100) * 100 + today.month
    }
}
