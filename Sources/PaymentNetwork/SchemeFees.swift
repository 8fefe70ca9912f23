public import ISO8583

/// What the scheme charges on a purchase it clears, and who pays it: the fee model every member
/// of the network reads the same way (the scheme publishes its price list, its card BIN table
/// and its merchants' registered MCCs), so the issuer, the acquirer and the scheme book the
/// same fees on the same item without telling each other.
///
/// `cn-2016` is the fee model of China's 2016 bank card pricing reform (发改价格〔2016〕557号):
/// the issuer's fee (发卡行服务费) is 0.35% of the amount on a debit card, at most 13.00 per
/// purchase, and 0.45% on a credit card, whatever the MCC; the network fee (网络服务费) is
/// 0.0325%, at most 3.25 per purchase, charged to the issuer and to the acquirer each. Both
/// are rounded half up to the minor unit. A scheme's table of rates by MCC (`interchange`)
/// sets the issuer's fee of those MCCs instead (a category the reform exempts or discounts).
public struct SchemeFees: Sendable, Equatable {
    /// Which price list.
    public enum Model: String, Sendable, CaseIterable {
        case cn2016 = "cn-2016"
        /// No issuer's or network fee: issuers and acquirers settle the gross amount.
        case none
    }

    /// The fees on one item: the issuer's fee (the acquirer pays it to the issuer) and the
    /// network fee one side pays the scheme (the issuer and the acquirer each pay it).
    public struct Item: Sendable, Equatable {
        public var issuer: Money
        public var network: Money
        public static let zero = Item(issuer: .zero, network: .zero)

        /// What the issuer pays the scheme for an item of `amount`: the amount less its fee, plus its network fee.
        public func issuerPays(_ amount: Money) -> Money { amount - issuer + network }
        /// What the acquirer is paid for an item of `amount`: the amount less the issuer's fee and its network fee.
        public func acquirerGets(_ amount: Money) -> Money { amount - issuer - network }
        /// Both items' fees with the sign turned (an item settled back).
        public static prefix func - (item: Item) -> Item { Item(issuer: -item.issuer, network: -item.network) }
    }

    public var model: Model
    /// Issuer's fee rates by MCC, in millionths, instead of the card type's.
    public var rates: [String: Int64]
    /// Credit cards, by PAN (every other card is a debit card).
    public var creditCards: Set<String>
    /// Each merchant's registered MCC, by DE42.
    public var registeredMCC: [String: String]
    /// Whether the scheme charges by the registered MCC rather than the one on the wire (DE18).
    public var mccCheck: Bool
    /// Decimals of the currency (the caps are 13.00 and 3.25 of it).
    public var exponent: Int

    /// Makes a fee model.
    public init(model: Model = .cn2016, rates: [String: Int64] = [:], creditCards: Set<String> = [], registeredMCC: [String: String] = [:],
                mccCheck: Bool = false, exponent: Int = 2) {
        self.model = model
        self.rates = rates
        self.creditCards = creditCards
        self.registeredMCC = registeredMCC
        self.mccCheck = mccCheck
        self.exponent = exponent
    }

    /// No fees at all.
    public static let none = SchemeFees(model: .none)

    static let debitRate: Int64 = 3_500, creditRate: Int64 = 4_500, networkRate: Int64 = 325
    static let debitCap: Int64 = 13, networkCapHundredths: Int64 = 325

    /// The MCC an item is charged at: the registered one when the scheme checks MCCs, else the wire's.
    public func chargedMCC(wire: String?, merchant: String?) -> String? {
        guard mccCheck, let registered = merchant.flatMap({ registeredMCC[$0] }) else { return wire }
        return registered
    }

    /// The fees on a purchase of `amount` on card `pan` at `merchant`, with `wireMCC` in DE18.
    public func fees(on amount: Money, pan: String?, merchant: String?, wireMCC: String?) -> Item {
        guard model == .cn2016, amount > .zero else { return .zero }
        let isCredit = pan.map { creditCards.contains($0) } ?? false
        let rate = chargedMCC(wire: wireMCC, merchant: merchant).flatMap { rates[$0] } ?? (isCredit ? Self.creditRate : Self.debitRate)
        let unit = (0..<exponent).reduce(Int64(1)) { product, _ in product * 10 }
        var issuer = amount.timesRate(partsPerMillion: rate, rounding: .halfUp)
        if !isCredit { issuer = min(issuer, Money(minorUnits: Self.debitCap * unit)) }
        let network = min(amount.timesRate(partsPerMillion: Self.networkRate, rounding: .halfUp), Money(minorUnits: Self.networkCapHundredths * unit / 100))
        return Item(issuer: issuer, network: network)
    }

    /// The fees on a request as the scheme routed it (DE4, DE2, DE42, DE18), for an item of `amount`.
    public func fees(on amount: Money, of request: ISOMessage) -> Item {
        fees(on: amount, pan: request[DE.pan], merchant: request[DE.merchantID], wireMCC: request[DE.merchantType])
    }
}
