/// The data elements PayLab's nodes use, by name.
public enum DE {
    public static let pan = 2
    public static let processingCode = 3
    public static let amount = 4
    public static let transmissionDateTime = 7
    public static let stan = 11
    public static let localTime = 12
    public static let localDate = 13
    public static let expiry = 14
    public static let settlementDate = 15
    public static let merchantType = 18
    public static let entryMode = 22
    public static let conditionCode = 25
    public static let acquirerID = 32
    public static let rrn = 37
    public static let authorizationCode = 38
    public static let responseCode = 39
    public static let terminalID = 41
    public static let merchantID = 42
    public static let currency = 49
    /// The card's PAN sequence number (a chip card's PSN).
    public static let cardSequenceNumber = 23
    /// Point of service PIN capture code (`12`: the most PIN digits the terminal takes).
    public static let pinCaptureCode = 26
    /// The PIN block, encrypted under the link's PIN key.
    public static let pinBlock = 52
    /// Security related control information (`2600000000000000`: format 0, 3DES).
    public static let securityControl = 53
    /// Track 2 equivalent data: PAN `=` expiry, service code and discretionary data (the CVN).
    public static let track2 = 35
    /// Additional data, private: the end-of-day 0500's totals as a UnionPay POS sends them.
    public static let additionalData = 48
    /// Additional amounts: the balance a balance inquiry's answer shows.
    public static let additionalAmounts = 54
    /// UnionPay's reserved field: 60.1 message type, 60.2 batch, 60.3 network management code.
    public static let unionPayReserved = 60
    /// The working keys a sign-on's answer carries, with their check values.
    public static let keyBlock = 62
    /// The original a UnionPay POS's void, completion, cancellation or refund names: batch, trace, date.
    public static let originalPOSData = 61
    /// A chargeback's reason code (private use).
    public static let reasonCode = 63
    /// Network management information code (`001` sign-on, `002` sign-off, `301` echo).
    public static let networkManagementCode = 70
    public static let originalData = 90
    /// Batch totals (0500): refunds (credits) and purchases (debits), number and amount.
    public static let creditsNumber = 74
    public static let debitsNumber = 76
    public static let creditsAmount = 86
    public static let debitsAmount = 88
    public static let creditAccount = 103
}
