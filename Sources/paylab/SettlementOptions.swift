import ArgumentParser

/// Where a payment's money is due from: the business calendar, the scheme's cutoff, the
/// merchant's payout time and the time zone (`paylab arrival`, `paylab incident when`).
struct SettlementOptions: ParsableArguments {
    @Option(help: "cn, us-fed, weekdays, or the path of a calendar file.")
    var calendar = "cn"

    @Option(help: "The scheme's daily cutoff, HH:MM.")
    var cutoff = "23:00"

    @Option(name: .customLong("payout-at"), help: "The merchant's payout time, HH:MM.")
    var payoutAt = "09:00"

    @Option(help: "The IANA time zone of the times.")
    var timezone = "Asia/Shanghai"
}
